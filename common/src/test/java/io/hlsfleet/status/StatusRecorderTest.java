package io.hlsfleet.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * What the status store learns of a job from its events: its state, progress (at most once a
 * second), reasons and pictures; never a source's secrets; and a failing store fails no job.
 */
class StatusRecorderTest {

    /** Keeps what was saved, in order. */
    private static class Saved implements JobStatusStore {
        final List<JobStatus> statuses = new ArrayList<>();
        /** The statuses that came as progress, which a store may drop. */
        final List<JobStatus> progress = new ArrayList<>();

        @Override
        public void save(JobStatus status) {
            statuses.add(status);
        }

        @Override
        public void saveProgress(JobStatus status) {
            progress.add(status);
            save(status);
        }

        @Override
        public Optional<JobStatus> find(String jobId) {
            return statuses.reversed().stream().filter(s -> s.jobId().equals(jobId)).findFirst();
        }

        @Override
        public List<JobStatus> recent(int limit) {
            return statuses.reversed().stream().limit(limit).toList();
        }

        @Override
        public void close() {
        }
    }

    private final Saved store = new Saved();
    private final StatusRecorder recorder = new StatusRecorder(store);
    private final Job job = Job.submit("https://videos.example/a.mp4?X-Amz-Signature=secret", false);

    private JobStatus last() {
        return store.statuses.getLast();
    }

    @Test
    void aQueuedJobIsRecordedWithItsIdsAndARedactedSource() {
        recorder.queued(job);

        JobStatus queued = last();
        assertThat(queued.jobId()).isEqualTo(job.jobId());
        assertThat(queued.videoId()).isEqualTo(job.videoId());
        assertThat(queued.state()).isEqualTo(JobState.QUEUED);
        assertThat(queued.percent()).isZero();
        assertThat(queued.source()).isEqualTo("https://videos.example/a.mp4?REDACTED").doesNotContain("secret");
        assertThat(queued.submittedAt()).isEqualTo(job.submittedAt());
        assertThat(queued.reason()).isNull();
    }

    @Test
    void eachStageHasItsWorkingState() {
        recorder.started(Stage.DOWNLOAD, job);
        assertThat(last().state()).isEqualTo(JobState.DOWNLOADING);
        recorder.started(Stage.ENCODE, job);
        assertThat(last().state()).isEqualTo(JobState.ENCODING);
        recorder.started(Stage.UPLOAD, job);
        assertThat(last().state()).isEqualTo(JobState.UPLOADING);
    }

    @Test
    void progressIsWrittenAtMostOnceASecondPerJobAndAgainAfterTheStageEnds() {
        Job other = Job.submit("https://videos.example/b.mp4", false);
        recorder.progress(Stage.ENCODE, job, 0.426, "2.1x");
        recorder.progress(Stage.ENCODE, job, 0.5, "2.2x");
        recorder.progress(Stage.ENCODE, other, -1, "12 MiB");

        assertThat(store.statuses).hasSize(2);
        assertThat(store.progress).as("progress is saved as progress, which a store need not retry")
                .containsExactlyElementsOf(store.statuses);
        JobStatus first = store.statuses.get(0);
        assertThat(first.state()).isEqualTo(JobState.ENCODING);
        assertThat(first.percent()).isEqualTo(43);
        assertThat(first.detail()).isEqualTo("2.1x");
        assertThat(store.statuses.get(1).percent()).as("unknown progress").isEqualTo(-1);

        recorder.succeeded(Stage.ENCODE, job, Stage.UPLOAD);
        recorder.progress(Stage.UPLOAD, job, 0.1, "uploading");
        assertThat(last().state()).isEqualTo(JobState.UPLOADING);
        assertThat(last().percent()).isEqualTo(10);
    }

    @Test
    void everyFinishedPartOfASplitJobIsWrittenAsProgressHoweverCloseTogether() {
        recorder.partDone(Stage.ENCODE, job, 0.25, "1 of 5 parts encoded");
        recorder.partDone(Stage.ENCODE, job, 0.5, "2 of 5 parts encoded");
        recorder.partDone(Stage.ENCODE, job, 0.75, "3 of 5 parts encoded");

        assertThat(store.progress).as("written within a second, as progress would not be")
                .extracting(JobStatus::detail)
                .containsExactly("1 of 5 parts encoded", "2 of 5 parts encoded", "3 of 5 parts encoded");
        assertThat(store.progress).extracting(JobStatus::percent).containsExactly(25, 50, 75);
        assertThat(last().state()).isEqualTo(JobState.ENCODING);
    }

    @Test
    void aStageThatSucceedsQueuesTheJobForTheNextOrPublishesIt() {
        recorder.succeeded(Stage.DOWNLOAD, job, Stage.ENCODE);
        assertThat(store.progress).as("a state change is no mere progress").isEmpty();
        assertThat(last().state()).isEqualTo(JobState.QUEUED);
        assertThat(last().detail()).isEqualTo("waiting for encode");
        assertThat(last().percent()).isZero();

        recorder.succeeded(Stage.UPLOAD, job, null);
        assertThat(last().state()).isEqualTo(JobState.PUBLISHED);
        assertThat(last().percent()).isEqualTo(100);
        assertThat(last().detail()).isEmpty();
    }

    @Test
    void retriesAndDeathsCarryTheFailuresReason() {
        recorder.retrying(Stage.DOWNLOAD, job, JobFailure.retryable("origin answered 503"), Duration.ofSeconds(10));
        assertThat(last().state()).isEqualTo(JobState.RETRYING);
        assertThat(last().detail()).isEqualTo("download again in 10 s");
        assertThat(last().reason()).isEqualTo("origin answered 503");

        recorder.dead(Stage.ENCODE, job, JobFailure.permanent("not a video"));
        assertThat(last().state()).isEqualTo(JobState.DEAD);
        assertThat(last().detail()).isEqualTo("failed at encode");
        assertThat(last().reason()).isEqualTo("not a video");
    }

    @Test
    void aFailingStoreFailsNoJobAndClosingTheRecorderClosesTheStore() {
        AtomicBoolean closed = new AtomicBoolean();
        StatusRecorder failing = new StatusRecorder(new Saved() {
            @Override
            public void save(JobStatus status) {
                throw new IllegalStateException("status store unreachable");
            }

            @Override
            public void close() {
                closed.set(true);
            }
        });
        failing.queued(job);
        failing.started(Stage.DOWNLOAD, job);
        failing.dead(Stage.DOWNLOAD, job, JobFailure.permanent("404"));
        failing.close();
        assertThat(closed).isTrue();
    }

    @Test
    void publishedStatusListsThePictures() {
        Job submitted = Job.submit("https://example.org/a.mp4", false);
        recorder.started(Stage.DOWNLOAD, submitted);
        assertThat(store.find(submitted.jobId()).orElseThrow().pictures()).isNull();

        Job upload = submitted.advance(Stage.UPLOAD, StageOutputs.NONE.withLadder("jobs/x/ladder", 4)
                .withPictures(List.of("poster.jpg", "poster.webp", "storyboard/thumbnails.vtt")));
        recorder.succeeded(Stage.UPLOAD, upload, null);
        JobStatus published = store.find(submitted.jobId()).orElseThrow();
        assertThat(published.state()).isEqualTo(JobState.PUBLISHED);
        assertThat(published.pictures()).containsExactly("poster.jpg", "poster.webp", "storyboard/thumbnails.vtt");
    }
}
