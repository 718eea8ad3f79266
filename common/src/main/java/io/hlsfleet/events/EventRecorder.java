package io.hlsfleet.events;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.PublishedVideo;
import io.hlsfleet.job.Rendition;
import io.hlsfleet.job.SourceUrls;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.worker.JobListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what the stage runtime reports to its {@link JobListener}s into {@link JobEvent}s on the
 * fleet's {@link EventBus}. It hears of each outcome from the same calls as the status store, and
 * those come after the broker recorded the outcome: {@code published} after the upload stage wrote
 * the master playlist and acked its job, {@code retrying} after the retry is queued, {@code dead}
 * after the dead letter is. {@code progress} is sent at most once per job per interval.
 *
 * <p>A broker that does not take an event costs the event, never the job: the failure is logged
 * (terminal events are tried once more first).
 */
public final class EventRecorder implements JobListener {

    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    static final String INTAKE = "intake";

    private final EventBus bus;
    private final Duration progressInterval;
    private final String masterUrlBase;
    private final Map<String, Long> lastProgress = new ConcurrentHashMap<>();

    /**
     * @param masterUrlBase what master URLs start with ({@link PublishedVideo#masterUrl}): the public
     *     URL players use, or else the bucket's address
     */
    public EventRecorder(EventBus bus, Duration progressInterval, String masterUrlBase) {
        this.bus = bus;
        this.progressInterval = progressInterval;
        this.masterUrlBase = masterUrlBase;
    }

    @Override
    public void queued(Job job) {
        emit(event(JobEvent.Type.QUEUED, INTAKE, job, null, null, null, null, null));
    }

    @Override
    public void queuedAll(List<Job> jobs) {
        try {
            bus.publishAll(jobs.stream().map(job -> event(JobEvent.Type.QUEUED, INTAKE, job, null, null, null, null,
                    null)).toList());
        } catch (RuntimeException e) {
            log.warn("could not publish the queued events of {} jobs: {}", jobs.size(), e.getMessage());
        }
    }

    @Override
    public void started(Stage stage, Job job) {
        emit(event(JobEvent.Type.STARTED, stage.id(), job, null, null, null, null, null));
    }

    @Override
    public void progress(Stage stage, Job job, double fraction, String detail) {
        long now = System.nanoTime();
        Long last = lastProgress.get(job.jobId());
        if (last != null && now - last < progressInterval.toNanos()) {
            return;
        }
        lastProgress.put(job.jobId(), now);
        emit(event(JobEvent.Type.PROGRESS, stage.id(), job, null, null,
                fraction < 0 ? null : (int) Math.round(fraction * 100), detail, null));
    }

    /**
     * Not an event: a part may finish after another part of the job died, and a {@code progress}
     * after {@code dead} would read as the job working again. The status store keeps a dead job dead.
     */
    @Override
    public void partDone(Stage stage, Job job, double fraction, String detail) {
    }

    @Override
    public void succeeded(Stage stage, Job job, Stage nextStage) {
        lastProgress.remove(job.jobId());
        if (nextStage == null) {
            emit(event(JobEvent.Type.PUBLISHED, stage.id(), job, null, null, null, null, published(job)));
        }
    }

    @Override
    public void retrying(Stage stage, Job job, JobFailure failure, Duration delay) {
        lastProgress.remove(job.jobId());
        emit(event(JobEvent.Type.RETRYING, stage.id(), job, failure.reason(), delay.toSeconds(), null, null, null));
    }

    @Override
    public void dead(Stage stage, Job job, JobFailure failure) {
        lastProgress.remove(job.jobId());
        emit(event(JobEvent.Type.DEAD, stage.id(), job, failure.reason(), null, null, null, null));
    }

    @Override
    public void cancelled(Stage stage, Job job, String reason) {
        lastProgress.remove(job.jobId());
        emit(event(JobEvent.Type.CANCELLED, stage.id(), job, reason, null, null, null, null));
    }

    @Override
    public void expanded(Stage stage, Job job, List<Job> children) {
        lastProgress.remove(job.jobId());
        emit(event(JobEvent.Type.EXPANDED, stage.id(), job, null, null, null, "listed " + children.size() + " videos",
                null, children.stream().map(Job::jobId).toList()));
        queuedAll(children);
    }

    /** What was published, with every path relative to the master, so inside the generation's folder. */
    private JobEvent.Published published(Job job) {
        StageOutputs outputs = job.outputs();
        List<String> pictures = outputs.pictures();
        List<Rendition> renditions = outputs.renditions() == null ? null : outputs.renditions().stream()
                .map(r -> new Rendition(outputs.published(r.playlist()), r.width(), r.height(), r.bandwidth(),
                        r.averageBandwidth(), r.codecs(), r.frameRate()))
                .toList();
        return new JobEvent.Published(PublishedVideo.masterKey(job.videoId()),
                PublishedVideo.masterUrl(masterUrlBase, job.videoId()), outputs.durationSeconds(),
                renditions, picture(outputs, "poster.jpg"), picture(outputs, "storyboard/thumbnails.vtt"),
                pictures == null ? null : pictures.stream().map(outputs::published).toList(), outputs.generation());
    }

    private static String picture(StageOutputs outputs, String name) {
        return outputs.pictures() != null && outputs.pictures().contains(name) ? outputs.published(name) : null;
    }

    private static JobEvent event(JobEvent.Type type, String stage, Job job, String reason, Long retryInSeconds,
            Integer percent, String detail, JobEvent.Published published) {
        return event(type, stage, job, reason, retryInSeconds, percent, detail, published, null);
    }

    private static JobEvent event(JobEvent.Type type, String stage, Job job, String reason, Long retryInSeconds,
            Integer percent, String detail, JobEvent.Published published, List<String> children) {
        return new JobEvent(JobEvent.VERSION, type, stage, job.jobId(), job.videoId(),
                SourceUrls.redact(job.sourceUrl()), job.attempt(), Instant.now(), job.submittedAt(), reason,
                retryInSeconds, percent, detail, job.outputs().page() == null ? null : job.outputs().page().title(),
                published, job.options().metadata(), job.options().callbackUrl(), job.parentJobId(), children);
    }

    /** Publishes {@code event}, even from a thread a cancel or shutdown interrupted (as settling does). */
    private void emit(JobEvent event) {
        boolean interrupted = Thread.interrupted();
        try {
            int tries = event.type().terminal() ? 2 : 1;
            for (int attempt = 1; attempt <= tries; attempt++) {
                try {
                    bus.publish(event);
                    return;
                } catch (RuntimeException e) {
                    if (attempt == tries) {
                        log.warn("could not publish the {} event of job {}: {}", event.routingKey(), event.jobId(),
                                e.getMessage());
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The recorder of a fleet process from {@link EventsProperties}: {@link JobListener#NONE} when
     * events are off or the broker carries none (the in-memory one).
     *
     * @param bucketAddress the bucket's address, for master URLs when no public URL is set
     */
    public static JobListener from(io.hlsfleet.config.Settings settings, io.hlsfleet.transport.Transport transport,
            String bucketAddress) {
        io.hlsfleet.config.EventsProperties properties = settings.bind(io.hlsfleet.config.EventsProperties.class);
        if (!properties.enabled() || transport.events() == EventBus.NONE) {
            return JobListener.NONE;
        }
        return new EventRecorder(transport.events(), properties.progressInterval(),
                properties.masterUrlBase(bucketAddress));
    }
}
