package io.hlsfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.EventRecorder;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Rendition;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.transport.InMemoryTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cancels in the stage runtime, and the events the runtime's outcomes become. */
class StageWorkerCancelTest {

    private static final RetryPolicy FAST = new RetryPolicy(List.of(Duration.ofMillis(50)), 3, 5);

    private final InMemoryTransport transport = new InMemoryTransport();
    private final Intake intake = new Intake("cancel test".getBytes(StandardCharsets.UTF_8), false);
    private final Map<String, String> requests = new ConcurrentHashMap<>();
    private final List<String> discarded = new CopyOnWriteArrayList<>();
    private final List<JobEvent> events = new CopyOnWriteArrayList<>();
    private final EventBus bus = new EventBus() {
        @Override
        public void publish(JobEvent event) {
            events.add(event);
        }

        @Override
        public Feed follow(String pattern, Consumer<JobEvent> consumer) {
            throw new UnsupportedOperationException();
        }
    };
    /** What a committed job holds instead of a reason, as in the Redis store: a cancel finds it and is refused. */
    private static final String COMMITTED = "committed";
    private final Cancellation cancellation = new Cancellation() {
        @Override
        public Map<String, String> requested(Collection<String> jobIds) {
            Map<String, String> found = new ConcurrentHashMap<>();
            jobIds.forEach(id -> {
                if (requests.containsKey(id) && !requests.get(id).equals(COMMITTED)) {
                    found.put(id, requests.get(id));
                }
            });
            return found;
        }

        @Override
        public void discard(Job job) {
            discarded.add(job.jobId());
        }

        @Override
        public boolean committed(String jobId) {
            return COMMITTED.equals(requests.get(jobId));
        }

        @Override
        public boolean commit(String jobId) {
            return requests.putIfAbsent(jobId, COMMITTED) == null || requests.get(jobId).equals(COMMITTED);
        }
    };

    @AfterEach
    void close() {
        transport.close();
    }

    private StageWorker worker(Stage stage, StageHandler handler) {
        return new StageWorker(stage, handler, transport, FAST,
                new EventRecorder(bus, Duration.ofHours(1), "https://cdn.example.org/hls/"), new SimpleMeterRegistry(),
                intake).cancelledBy(cancellation).start(1);
    }

    @Test
    void aRunningJobIsInterruptedAckedCleanedUpAndReportedCancelled() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger interrupted = new AtomicInteger();
        try (var encode = worker(Stage.ENCODE, (job, context) -> {
            running.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            }
            return job.outputs();
        })) {
            Job job = intake.seal(Job.submit("https://x.example/a.mp4", false)).advance(Stage.ENCODE, StageOutputs.NONE);
            transport.publish(Stage.ENCODE, job);
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            requests.put(job.jobId(), "uploader deleted the video");
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                    .anyMatch(e -> e.type() == JobEvent.Type.CANCELLED));

            assertThat(interrupted).hasValue(1);
            assertThat(discarded).containsExactly(job.jobId());
            JobEvent cancelled = events.getLast();
            assertThat(cancelled.routingKey()).isEqualTo("cancelled.encode");
            assertThat(cancelled.reason()).isEqualTo("uploader deleted the video");
            // Acked: nothing handed on, retried or dead-lettered.
            assertThat(transport.queueDepths()).containsEntry(Stage.UPLOAD, 0L).containsEntry(Stage.ENCODE, 0L);
            assertThat(transport.deadLetters(Stage.ENCODE, 10)).isEmpty();
        }
    }

    @Test
    void anUploadCancelledBeforeItCommitsStopsAndEndsCancelled() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger sawCancel = new AtomicInteger();
        try (var upload = worker(Stage.UPLOAD, (job, context) -> {
            running.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                // Interrupted between files: the handler cleans up, knowing why.
                if (context.cancelled()) {
                    sawCancel.incrementAndGet();
                }
                throw e;
            }
            return job.outputs();
        })) {
            Job job = intake.seal(Job.submit("https://x.example/u.mp4", false)).advance(Stage.UPLOAD, StageOutputs.NONE);
            transport.publish(Stage.UPLOAD, job);
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            requests.put(job.jobId(), "uploader deleted the video");
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                    .anyMatch(e -> e.type() == JobEvent.Type.CANCELLED));

            assertThat(sawCancel).hasValue(1);
            assertThat(events.getLast().routingKey()).isEqualTo("cancelled.upload");
            assertThat(discarded).containsExactly(job.jobId());
        }
    }

    @Test
    void anUploadCommitsOnlyIfNotCancelledFirstAndACancelAfterItIsIgnored() throws Exception {
        CountDownLatch committed = new CountDownLatch(1);
        CountDownLatch lateCancel = new CountDownLatch(1);
        AtomicInteger commits = new AtomicInteger();
        try (var upload = worker(Stage.UPLOAD, (job, context) -> {
            if (job.sourceUrl().endsWith("first.mp4")) {
                // Cancelled just before the master: the commit says no, and the job is cancelled.
                requests.put(job.jobId(), "cancelled with hlsfleet cancel");
                if (!context.commit()) {
                    throw new java.io.InterruptedIOException("cancelled before the master playlist was written");
                }
                commits.incrementAndGet();
                return job.outputs();
            }
            assertThat(context.commit()).isTrue();
            committed.countDown();
            // A cancel now finds the job committed; the watcher, checking every second, leaves it alone.
            lateCancel.await();
            Thread.sleep(StageWorker.CANCEL_CHECK_INTERVAL.multipliedBy(2));
            return job.outputs();
        })) {
            Job first = intake.seal(Job.submit("https://x.example/first.mp4", false)).advance(Stage.UPLOAD, StageOutputs.NONE);
            transport.publish(Stage.UPLOAD, first);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                    .anyMatch(e -> e.type() == JobEvent.Type.CANCELLED));
            assertThat(commits).hasValue(0);
            assertThat(discarded).containsExactly(first.jobId());

            Job second = intake.seal(Job.submit("https://x.example/second.mp4", false)).advance(Stage.UPLOAD, StageOutputs.NONE);
            transport.publish(Stage.UPLOAD, second);
            assertThat(committed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(cancellation.commit(second.jobId())).as("a second commit of the same job").isTrue();
            assertThat(requests.putIfAbsent(second.jobId(), "cancelled with hlsfleet cancel")).isEqualTo(COMMITTED);
            lateCancel.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                    .anyMatch(e -> e.type() == JobEvent.Type.PUBLISHED && e.jobId().equals(second.jobId())));
            assertThat(events).filteredOn(e -> e.jobId().equals(second.jobId()))
                    .extracting(JobEvent::routingKey).containsExactly("started.upload", "published.upload");
        }
    }

    @Test
    void aJobCancelledBeforeItsStageStartsIsSkipped() {
        AtomicInteger calls = new AtomicInteger();
        try (var download = worker(Stage.DOWNLOAD, (job, context) -> {
            calls.incrementAndGet();
            return job.outputs();
        })) {
            Job job = intake.seal(Job.submit("https://x.example/b.mp4", false));
            requests.put(job.jobId(), "cancelled with hlsfleet cancel");
            transport.publish(Stage.DOWNLOAD, job);
            await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
            assertThat(events).extracting(JobEvent::routingKey).containsExactly("cancelled.download");
            assertThat(calls).hasValue(0);
            assertThat(discarded).containsExactly(job.jobId());
            assertThat(transport.queueDepths()).containsEntry(Stage.ENCODE, 0L);
        }
    }

    /**
     * An encode message redelivered after its job was handed on and published (its ack was lost)
     * finds its inputs removed by the upload: its failure is dropped, and the job stays published.
     */
    @Test
    void aLateDuplicateOfAPublishedJobThatFailsIsDroppedNotDead() {
        try (var encode = worker(Stage.ENCODE, (job, context) -> {
            throw JobFailure.permanent("the downloaded source is not in staging");
        })) {
            Job job = intake.seal(Job.submit("https://x.example/c.mp4", false)).advance(Stage.ENCODE, StageOutputs.NONE);
            requests.put(job.jobId(), COMMITTED);
            transport.publish(Stage.ENCODE, job);
            Job other = intake.seal(Job.submit("https://x.example/d.mp4", false)).advance(Stage.ENCODE, StageOutputs.NONE);
            transport.publish(Stage.ENCODE, other);
            await().atMost(Duration.ofSeconds(5)).until(() -> !transport.deadLetters(Stage.ENCODE, 10).isEmpty());
            // The same failure kills a job not yet published (taken after the other: one consumer).
            assertThat(transport.deadLetters(Stage.ENCODE, 10)).extracting(DeadLetter::jobId)
                    .containsExactly(other.jobId());
            assertThat(events).filteredOn(e -> e.jobId().equals(job.jobId()))
                    .extracting(JobEvent::routingKey).containsExactly("started.encode");
            assertThat(transport.queueDepths()).containsEntry(Stage.ENCODE, 0L).containsEntry(Stage.UPLOAD, 0L);
        }
    }

    @Test
    void publishedEventsCarryTheMasterUrlRenditionsAndPictures() {
        try (var upload = worker(Stage.UPLOAD, (job, context) -> job.outputs())) {
            StageOutputs outputs = StageOutputs.NONE.withLadder("jobs/x/ladder-1", 62.0)
                    .withPictures(List.of("poster.jpg", "poster.webp", "storyboard/thumbnails.vtt"))
                    .withRenditions(List.of(new Rendition("720p/index.m3u8", 1280, 720, 1_000_000, 900_000,
                            "avc1.64001f,mp4a.40.2", 30.0)));
            Job job = intake.seal(Job.submit("https://x.example/talk.mp4?sig=secret", false))
                    .advance(Stage.UPLOAD, outputs);
            transport.publish(Stage.UPLOAD, job);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                    .anyMatch(e -> e.type() == JobEvent.Type.PUBLISHED));
            assertThat(events).extracting(JobEvent::routingKey).containsExactly("started.upload", "published.upload");
            JobEvent published = events.getLast();
            assertThat(published.source()).doesNotContain("secret");
            assertThat(published.published().masterUrl())
                    .isEqualTo("https://cdn.example.org/hls/" + job.videoId() + "/master.m3u8");
            assertThat(published.published().durationSeconds()).isEqualTo(62.0);
            assertThat(published.published().renditions()).extracting(Rendition::resolution).containsExactly("1280x720");
            assertThat(published.published().poster()).isEqualTo("poster.jpg");
            assertThat(published.published().storyboard()).isEqualTo("storyboard/thumbnails.vtt");
        }
    }

    @Test
    void topicPatternsMatchAsOnRabbitMq() {
        assertThat(EventBus.matches("#", "published.upload")).isTrue();
        assertThat(EventBus.matches("published.*", "published.upload")).isTrue();
        assertThat(EventBus.matches("*.encode", "progress.encode")).isTrue();
        assertThat(EventBus.matches("*.encode", "progress.upload")).isFalse();
        assertThat(EventBus.matches("dead.#", "dead.download")).isTrue();
        assertThat(EventBus.matches("published", "published.upload")).isFalse();
    }
}
