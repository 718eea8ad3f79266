package io.hlsfleet.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.testing.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Job status through a real Redis, as the workers write it and the CLI reads it. */
class RedisJobStatusStoreIT {

    private static final String REDIS_URL = Brokers.redisUrl();

    @Test
    void recordsEachStateAndKeepsTheReason() throws Exception {
        try (RedisJobStatusStore store = new RedisJobStatusStore(REDIS_URL)) {
            StatusRecorder recorder = new StatusRecorder(store);
            Job job = Job.submit("https://x.example/status-" + System.nanoTime() + ".mp4", false);
            recorder.queued(job);
            assertThat(store.find(job.jobId())).get().extracting(JobStatus::state).isEqualTo(JobState.QUEUED);

            recorder.started(Stage.DOWNLOAD, job);
            recorder.progress(Stage.DOWNLOAD, job, 0.5, "1.0 MiB");
            JobStatus downloading = store.find(job.jobId()).orElseThrow();
            assertThat(downloading.state()).isEqualTo(JobState.DOWNLOADING);
            assertThat(downloading.percent()).isEqualTo(50);
            assertThat(downloading.detail()).isEqualTo("1.0 MiB");

            Job encoding = job.advance(Stage.ENCODE, StageOutputs.NONE);
            recorder.retrying(Stage.ENCODE, encoding, JobFailure.retryable("ffmpeg crashed"), Duration.ofSeconds(10));
            assertThat(store.find(job.jobId()).orElseThrow().reason()).isEqualTo("ffmpeg crashed");

            recorder.dead(Stage.ENCODE, encoding.nextAttempt(), JobFailure.permanent("not a video"));
            JobStatus dead = store.find(job.jobId()).orElseThrow();
            assertThat(dead.state()).isEqualTo(JobState.DEAD);
            assertThat(dead.attempt()).isEqualTo(2);
            assertThat(dead.reason()).isEqualTo("not a video");
            assertThat(store.recent(5)).extracting(JobStatus::jobId).contains(job.jobId());
        }
    }

    /**
     * A published job stays published against a worker late with news of an attempt that no
     * longer counts (a frozen worker's progress, a late duplicate's start or retry); unpublishing
     * it changes it; a dead job stays dead against progress (a chunk finishing after another chunk
     * of the video died) and against a hand-off recorded late; requeued, it waits for another try,
     * and its start sets it working again.
     */
    @Test
    void anEndedJobIsChangedOnlyByWhatMayFollowItsEnd() {
        try (RedisJobStatusStore store = new RedisJobStatusStore(REDIS_URL)) {
            StatusRecorder recorder = new StatusRecorder(store);
            Job job = Job.submit("https://x.example/ended-" + System.nanoTime() + ".mp4", false);
            Job encoding = job.advance(Stage.ENCODE, StageOutputs.NONE);
            recorder.started(Stage.ENCODE, encoding);
            recorder.succeeded(Stage.UPLOAD, encoding.advance(Stage.UPLOAD, StageOutputs.NONE), null);
            assertThat(store.find(job.jobId()).orElseThrow().state()).isEqualTo(JobState.PUBLISHED);

            recorder.progress(Stage.ENCODE, encoding, 0.4, "frozen worker");
            recorder.started(Stage.ENCODE, encoding);
            recorder.retrying(Stage.ENCODE, encoding, JobFailure.retryable("source gone"), Duration.ofSeconds(1));
            recorder.dead(Stage.ENCODE, encoding, JobFailure.permanent("source gone"));
            assertThat(store.find(job.jobId()).orElseThrow().state()).isEqualTo(JobState.PUBLISHED);

            JobStatus published = store.find(job.jobId()).orElseThrow();
            store.save(new JobStatus(published.jobId(), published.videoId(), published.source(), JobState.UNPUBLISHED,
                    -1, "removed by hlsfleet unpublish", published.attempt(), null, published.submittedAt(),
                    published.updatedAt(), published.title(), published.pictures(), published.generation(),
                    published.parentJobId(), published.children()));
            assertThat(store.find(job.jobId()).orElseThrow().state()).isEqualTo(JobState.UNPUBLISHED);
            recorder.started(Stage.UPLOAD, encoding);
            assertThat(store.find(job.jobId()).orElseThrow().state()).isEqualTo(JobState.UNPUBLISHED);

            Job other = Job.submit("https://x.example/requeued-" + System.nanoTime() + ".mp4", false)
                    .advance(Stage.ENCODE, StageOutputs.NONE);
            recorder.dead(Stage.ENCODE, other, JobFailure.permanent("not a video"));
            recorder.partDone(Stage.ENCODE, other, 0.6, "3 of 5 parts encoded");
            recorder.progress(Stage.ENCODE, other, 0.7, "frozen worker");
            assertThat(store.find(other.jobId()).orElseThrow().state()).as("progress after death")
                    .isEqualTo(JobState.DEAD);
            // The download's hand-off recorded after the encoder had already refused the file.
            recorder.succeeded(Stage.DOWNLOAD, other, Stage.ENCODE);
            recorder.queued(other);
            assertThat(store.find(other.jobId()).orElseThrow().state()).as("queued after death")
                    .isEqualTo(JobState.DEAD);
            recorder.requeued(Stage.ENCODE, other, "not a video");
            JobStatus requeued = store.find(other.jobId()).orElseThrow();
            assertThat(requeued.state()).isEqualTo(JobState.RETRYING);
            assertThat(requeued.detail()).isEqualTo("requeued; waiting for encode");
            assertThat(requeued.reason()).isEqualTo("not a video");
            recorder.started(Stage.ENCODE, other.nextAttempt());
            assertThat(store.find(other.jobId()).orElseThrow().state()).isEqualTo(JobState.ENCODING);
        }
    }

    /**
     * Two chunks of a video finishing close together may report out of order: the later report of
     * fewer parts leaves the status where it is, and only a new attempt's start sets it back.
     */
    @Test
    void progressWithinAnAttemptNeverGoesBack() {
        try (RedisJobStatusStore store = new RedisJobStatusStore(REDIS_URL)) {
            StatusRecorder recorder = new StatusRecorder(store);
            Job encoding = Job.submit("https://x.example/parts-" + System.nanoTime() + ".mp4", false)
                    .advance(Stage.ENCODE, StageOutputs.NONE);
            recorder.started(Stage.ENCODE, encoding);
            recorder.partDone(Stage.ENCODE, encoding, 0.7, "7 of 10 parts encoded");
            recorder.partDone(Stage.ENCODE, encoding, 0.6, "6 of 10 parts encoded");
            JobStatus held = store.find(encoding.jobId()).orElseThrow();
            assertThat(held.percent()).isEqualTo(70);
            assertThat(held.detail()).isEqualTo("7 of 10 parts encoded");

            recorder.partDone(Stage.ENCODE, encoding, 0.8, "8 of 10 parts encoded");
            assertThat(store.find(encoding.jobId()).orElseThrow().percent()).isEqualTo(80);

            Job again = encoding.nextAttempt();
            recorder.started(Stage.ENCODE, again);
            recorder.partDone(Stage.ENCODE, again, 0.3, "3 of 10 parts encoded");
            assertThat(store.find(encoding.jobId()).orElseThrow().percent()).as("a new attempt's progress")
                    .isEqualTo(30);
        }
    }

    @Test
    void unknownJobsAreEmpty() {
        try (RedisJobStatusStore store = new RedisJobStatusStore(REDIS_URL)) {
            assertThat(store.find("no-such-job-" + System.nanoTime())).isEmpty();
        }
    }

    /**
     * A Redis restart under a worker: the pooled connections the old server dropped are replaced
     * before use, and a state change written while the server is down lands once it is back.
     */
    @Test
    void stateChangesSurviveARedisRestart(@TempDir Path dir) throws Exception {
        try (RedisServer redis = new RedisServer(dir.resolve("redis"));
             RedisJobStatusStore store = new RedisJobStatusStore(redis.url())) {
            StatusRecorder recorder = new StatusRecorder(store);
            Job job = Job.submit("https://x.example/restart.mp4", false);
            recorder.queued(job);

            redis.crashAndRestart(Duration.ZERO);
            recorder.started(Stage.DOWNLOAD, job);
            assertThat(store.find(job.jobId()).orElseThrow().state()).isEqualTo(JobState.DOWNLOADING);

            Thread restart = Thread.ofVirtual().start(() -> {
                try {
                    redis.crashAndRestart(Duration.ofSeconds(3));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            recorder.dead(Stage.DOWNLOAD, job, JobFailure.permanent("not a video"));
            restart.join();
            JobStatus dead = store.find(job.jobId()).orElseThrow();
            assertThat(dead.state()).isEqualTo(JobState.DEAD);
            assertThat(dead.reason()).isEqualTo("not a video");
        }
    }
}
