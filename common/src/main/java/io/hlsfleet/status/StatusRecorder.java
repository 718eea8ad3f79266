package io.hlsfleet.status;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.SourceUrls;
import io.hlsfleet.job.Stage;
import io.hlsfleet.worker.JobListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes job events into a {@link JobStatusStore}. Progress is written at most once a second per
 * job, so a fast encode does not flood the store; a failing store is logged and never fails a job.
 * State changes go through {@link JobStatusStore#save}, which a store retries; progress through
 * {@link JobStatusStore#saveProgress}, which it need not.
 */
public final class StatusRecorder implements JobListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StatusRecorder.class);
    private static final long PROGRESS_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

    private final JobStatusStore store;
    private final Map<String, Long> lastProgress = new ConcurrentHashMap<>();

    public StatusRecorder(JobStatusStore store) {
        this.store = store;
    }

    @Override
    public void queued(Job job) {
        save(job, JobState.QUEUED, 0, "", null);
    }

    @Override
    public void queuedAll(List<Job> jobs) {
        try {
            store.saveAll(jobs.stream().map(job -> status(job, JobState.QUEUED, 0, "", null)).toList());
        } catch (RuntimeException e) {
            log.warn("could not record the status of {} queued jobs: {}", jobs.size(), e.getMessage());
        }
    }

    @Override
    public void started(Stage stage, Job job) {
        save(job, working(stage), 0, "", null);
    }

    @Override
    public void progress(Stage stage, Job job, double fraction, String detail) {
        long now = System.nanoTime();
        Long last = lastProgress.get(job.jobId());
        if (last == null || now - last >= PROGRESS_INTERVAL_NANOS) {
            lastProgress.put(job.jobId(), now);
            saveProgress(stage, job, fraction, detail);
        }
    }

    @Override
    public void partDone(Stage stage, Job job, double fraction, String detail) {
        saveProgress(stage, job, fraction, detail);
    }

    private void saveProgress(Stage stage, Job job, double fraction, String detail) {
        save(job, working(stage), fraction < 0 ? -1 : (int) Math.round(fraction * 100), detail, null, true);
    }

    @Override
    public void succeeded(Stage stage, Job job, Stage nextStage) {
        lastProgress.remove(job.jobId());
        save(job, nextStage == null ? JobState.PUBLISHED : JobState.QUEUED, nextStage == null ? 100 : 0,
                nextStage == null ? "" : "waiting for " + nextStage.id(), null);
    }

    @Override
    public void retrying(Stage stage, Job job, JobFailure failure, Duration delay) {
        lastProgress.remove(job.jobId());
        save(job, JobState.RETRYING, -1, stage.id() + " again in " + delay.toSeconds() + " s", failure.reason());
    }

    @Override
    public void dead(Stage stage, Job job, JobFailure failure) {
        lastProgress.remove(job.jobId());
        save(job, JobState.DEAD, -1, "failed at " + stage.id(), failure.reason());
    }

    @Override
    public void cancelled(Stage stage, Job job, String reason) {
        lastProgress.remove(job.jobId());
        save(job, JobState.CANCELLED, -1, "cancelled at " + stage.id(), reason);
    }

    /** Not queued (a late "queued" cannot replace a dead job's status): waiting for another try. */
    @Override
    public void requeued(Stage stage, Job job, String reason) {
        lastProgress.remove(job.jobId());
        save(job, JobState.RETRYING, -1, "requeued; waiting for " + stage.id(), reason);
    }

    @Override
    public void expanded(Stage stage, Job job, List<Job> children) {
        lastProgress.remove(job.jobId());
        try {
            List<JobStatus> statuses = new ArrayList<>();
            statuses.add(withChildren(status(job, JobState.EXPANDED, -1, "listed " + children.size() + " videos", null),
                    children.stream().map(Job::jobId).toList()));
            children.forEach(child -> statuses.add(status(child, JobState.QUEUED, 0, "", null)));
            store.saveAll(statuses);
        } catch (RuntimeException e) {
            log.warn("could not record the status of job {} and the {} jobs it listed: {}", job.jobId(),
                    children.size(), e.getMessage());
        }
    }

    /** Closes the store; a worker's context calls this on shutdown. */
    @Override
    public void close() {
        store.close();
    }

    private static JobState working(Stage stage) {
        return switch (stage) {
            case DOWNLOAD -> JobState.DOWNLOADING;
            case ENCODE -> JobState.ENCODING;
            case UPLOAD -> JobState.UPLOADING;
        };
    }

    private static JobStatus status(Job job, JobState state, int percent, String detail, String reason) {
        return new JobStatus(job.jobId(), job.videoId(), SourceUrls.redact(job.sourceUrl()), state, percent,
                detail, job.attempt(), reason, job.submittedAt(), Instant.now(),
                job.outputs().page() == null ? null : job.outputs().page().title(),
                job.outputs().pictures() == null ? null
                        : job.outputs().pictures().stream().map(job.outputs()::published).toList(),
                job.outputs().generation(), job.parentJobId(), null);
    }

    private static JobStatus withChildren(JobStatus s, List<String> children) {
        return new JobStatus(s.jobId(), s.videoId(), s.source(), s.state(), s.percent(), s.detail(), s.attempt(),
                s.reason(), s.submittedAt(), s.updatedAt(), s.title(), s.pictures(), s.generation(), s.parentJobId(),
                children);
    }

    private void save(Job job, JobState state, int percent, String detail, String reason) {
        save(job, state, percent, detail, reason, false);
    }

    private void save(Job job, JobState state, int percent, String detail, String reason, boolean progressOnly) {
        try {
            JobStatus status = status(job, state, percent, detail, reason);
            if (progressOnly) {
                store.saveProgress(status);
            } else {
                store.save(status);
            }
        } catch (RuntimeException e) {
            log.warn("could not record the status of job {}: {}", job.jobId(), e.getMessage());
        }
    }
}
