package io.hlsfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.config.WebhookProperties;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.JobOptions;
import io.hlsfleet.job.ListEntry;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.job.WorkPart;
import io.hlsfleet.transport.InMemoryTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runtime's hand-off, retry and dead-letter rules, on the in-memory transport. */
class StageWorkerTest {

    private static final RetryPolicy FAST = new RetryPolicy(List.of(Duration.ofMillis(50)), 3, 5);

    private final InMemoryTransport transport = new InMemoryTransport();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final JobListener recorder = new JobListener() {
        @Override
        public void succeeded(Stage stage, Job job, Stage next) {
            events.add(stage.id() + ":ok");
        }

        @Override
        public void retrying(Stage stage, Job job, JobFailure failure, Duration delay) {
            events.add(stage.id() + ":retry:" + job.attempt());
        }

        @Override
        public void dead(Stage stage, Job job, JobFailure failure) {
            events.add(stage.id() + ":dead:" + failure.reason());
        }
    };

    @AfterEach
    void close() {
        transport.close();
    }

    private final Intake intake = new Intake("stage worker test".getBytes(java.nio.charset.StandardCharsets.UTF_8), false);

    private StageWorker worker(Stage stage, StageHandler handler) {
        return new StageWorker(stage, handler, transport, FAST, recorder, registry, intake).start(2);
    }

    /**
     * A job split into parts: each part is a message of its own on the same stage, those that
     * report their part done hand nothing on, and the one that finishes the job hands it on once,
     * as the whole job.
     */
    @Test
    void aSplitJobRunsAsPartsAndIsHandedOnOnceWhole() throws Exception {
        List<Job> parts = new CopyOnWriteArrayList<>();
        List<Job> uploads = new CopyOnWriteArrayList<>();
        AtomicInteger done = new AtomicInteger();
        List<String> reports = new CopyOnWriteArrayList<>();
        JobListener startsAndProgress = new JobListener() {
            @Override
            public void started(Stage stage, Job job) {
                reports.add("started");
            }

            @Override
            public void progress(Stage stage, Job job, double fraction, String detail) {
                reports.add("progress " + detail);
            }
        };
        try (var encode = new StageWorker(Stage.ENCODE, (job, ctx) -> {
                 if (job.outputs().part() == null) {
                     return job.outputs().splitInto(List.of(new WorkPart("plan1", 0, 3), new WorkPart("plan1", 1, 3),
                             new WorkPart("plan1", 2, 3)));
                 }
                 parts.add(job);
                 ctx.progress(0.5, "a part's own progress");
                 return done.incrementAndGet() < 3 ? job.outputs().asPartDone()
                         : job.outputs().withLadder("jobs/x/ladder-1", 10);
             }, transport, FAST, JobListener.all(List.of(recorder, startsAndProgress)), registry, intake).start(2);
             var upload = worker(Stage.UPLOAD, (job, ctx) -> {
                 uploads.add(job);
                 return job.outputs();
             })) {
            Job job = Job.submit("https://x.example/a.mp4", false)
                    .advance(Stage.ENCODE, StageOutputs.NONE.withSource("jobs/x/source", 42));
            transport.publish(Stage.ENCODE, job);
            await().atMost(Duration.ofSeconds(5)).until(() -> uploads.size() == 1);
            Thread.sleep(300);
            assertThat(parts).extracting(p -> p.outputs().part().index()).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(parts).allSatisfy(p -> {
                assertThat(p.jobId()).isEqualTo(job.jobId());
                assertThat(p.stage()).isEqualTo(Stage.ENCODE);
                assertThat(p.outputs().source()).isEqualTo("jobs/x/source");
            });
            assertThat(uploads).singleElement().satisfies(handed -> {
                assertThat(handed.outputs().part()).isNull();
                assertThat(handed.outputs().ladder()).isEqualTo("jobs/x/ladder-1");
            });
            assertThat(events).containsExactlyInAnyOrder("encode:ok", "upload:ok");
            // The job started once; its parts report no start or progress of their own.
            assertThat(reports).containsExactly("started");
            assertThat(transport.queueDepths()).containsEntry(Stage.ENCODE, 0L).containsEntry(Stage.UPLOAD, 0L);
        }
    }

    @Test
    void outputIsHandedToTheNextStageWithWhatTheStageProduced() throws Exception {
        CountDownLatch encoded = new CountDownLatch(1);
        List<Job> seenByEncode = new CopyOnWriteArrayList<>();
        try (var download = worker(Stage.DOWNLOAD, (job, ctx) -> job.outputs().withSource("jobs/x/source", 42));
             var encode = worker(Stage.ENCODE, (job, ctx) -> {
                 seenByEncode.add(job);
                 encoded.countDown();
                 return job.outputs();
             })) {
            Job job = intake.seal(Job.submit("https://x.example/a.mp4", false));
            transport.publish(Stage.DOWNLOAD, job);
            assertThat(encoded.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            Job handed = seenByEncode.getFirst();
            assertThat(handed.jobId()).isEqualTo(job.jobId());
            assertThat(handed.stage()).isEqualTo(Stage.ENCODE);
            assertThat(handed.outputs().source()).isEqualTo("jobs/x/source");
            assertThat(handed.outputs().sourceBytes()).isEqualTo(42L);
        }
    }

    @Test
    void retryableFailuresComeBackUntilAttemptsRunOutThenDeadLetter() {
        AtomicInteger calls = new AtomicInteger();
        try (var upload = worker(Stage.UPLOAD, (job, ctx) -> {
            calls.incrementAndGet();
            throw new java.io.IOException("disk full");
        })) {
            transport.publish(Stage.UPLOAD, Job.submit("https://x.example/a.mp4", false));
            await("a dead letter on the upload stage").atMost(Duration.ofSeconds(5))
                    .until(() -> !transport.deadLetters(Stage.UPLOAD, 10).isEmpty());
            DeadLetter letter = transport.deadLetters(Stage.UPLOAD, 10).getFirst();
            assertThat(calls.get()).isEqualTo(3);
            assertThat(letter.attempts()).isEqualTo(3);
            assertThat(letter.reason()).isEqualTo("disk full");
            assertThat(letter.exceptionClass()).isEqualTo("java.io.IOException");
            assertThat(events).containsExactly("upload:retry:1", "upload:retry:2", "upload:dead:disk full");
        }
    }

    @Test
    void permanentFailuresAreDeadLetteredAtOnceWithTheirStagedInputsNamed() {
        AtomicInteger calls = new AtomicInteger();
        StageHandler handler = (job, context) -> {
            calls.incrementAndGet();
            throw JobFailure.permanent("not a video: text file");
        };
        try (var encode = worker(Stage.ENCODE, handler)) {
            Job job = Job.submit("https://x.example/a.mp4", false)
                    .advance(Stage.ENCODE, StageOutputs.NONE.withSource("jobs/x/source-a", 42));
            transport.publish(Stage.ENCODE, job);
            await("a dead letter on the encode stage").atMost(Duration.ofSeconds(5))
                    .until(() -> !transport.deadLetters(Stage.ENCODE, 10).isEmpty());
            DeadLetter letter = transport.deadLetters(Stage.ENCODE, 10).getFirst();
            assertThat(letter.attempts()).isEqualTo(1);
            assertThat(calls.get()).isEqualTo(1);
            // The dead letter still names the staged source, which stays for `dlq requeue` until `dlq purge`.
            assertThat(letter.job().outputs().source()).isEqualTo("jobs/x/source-a");
            assertThat(registry.get("hlsfleet.stage.jobs").tag("outcome", "dead").tag("failure", "permanent")
                    .counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void anOptionTheOperatorDoesNotAllowIsRefusedAtTheIntakeWithItsReason() {
        Intake allowingProfileAndContainer = new Intake("options test".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                false, new JobOptions.Policy(java.util.Set.of("profile", "container"), WebhookProperties.guard(List.of())));
        List<Job> handled = new CopyOnWriteArrayList<>();
        try (var download = new StageWorker(Stage.DOWNLOAD, (job, ctx) -> {
            handled.add(job);
            return job.outputs();
        }, transport, FAST, recorder, registry, allowingProfileAndContainer).start(2)) {
            transport.publishRaw(Stage.DOWNLOAD, """
                    {"sourceUrl": "https://x.example/forbidden.mp4", "options": {"profile": "cmaf", "encryption": true}}"""
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            transport.publishRaw(Stage.DOWNLOAD, """
                    {"sourceUrl": "https://x.example/allowed.mp4", "options": {"profile": "cmaf"}}"""
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            await("the refused job's dead letter and the allowed job's download").atMost(Duration.ofSeconds(5))
                    .until(() -> !transport.deadLetters(Stage.DOWNLOAD, 10).isEmpty() && !handled.isEmpty());
        }
        DeadLetter refused = transport.deadLetters(Stage.DOWNLOAD, 10).getFirst();
        assertThat(refused.job().sourceUrl()).endsWith("/forbidden.mp4");
        assertThat(refused.attempts()).isEqualTo(1);
        assertThat(refused.reason()).isEqualTo("refused at intake: option 'encryption' is not allowed by this fleet's"
                + " operator (HLSFLEET_INTAKE_ALLOWED_OPTIONS allows container, profile)");
        assertThat(handled).singleElement().satisfies(job -> {
            assertThat(job.sourceUrl()).endsWith("/allowed.mp4");
            assertThat(job.options().profile()).isEqualTo("cmaf");
        });
    }

    @Test
    void malformedMessagesAreDeadLetteredWithoutReachingTheHandler() {
        AtomicInteger calls = new AtomicInteger();
        try (var download = worker(Stage.DOWNLOAD, (job, ctx) -> {
            calls.incrementAndGet();
            return job.outputs();
        })) {
            transport.publishRaw(Stage.DOWNLOAD, "{broken".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            await("a dead letter for the malformed message").atMost(Duration.ofSeconds(5))
                    .until(() -> !transport.deadLetters(Stage.DOWNLOAD, 10).isEmpty());
            assertThat(transport.deadLetters(Stage.DOWNLOAD, 10).getFirst().reason()).startsWith("malformed message");
            assertThat(calls.get()).isZero();
        }
    }

    @Test
    void shutdownGivesUnfinishedJobsBackToTheQueue() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        StageWorker encode = worker(Stage.ENCODE, (job, ctx) -> {
            started.countDown();
            Thread.sleep(60_000);
            return job.outputs();
        });
        transport.publish(Stage.ENCODE, Job.submit("https://x.example/a.mp4", false).advance(Stage.ENCODE, StageOutputs.NONE));
        assertThat(started.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        encode.stop(Duration.ofMillis(200));
        assertThat(transport.queueDepths().get(Stage.ENCODE)).isEqualTo(1L);
        assertThat(transport.deadLetters(Stage.ENCODE, 10)).isEmpty();
    }

    @Test
    void aListedJobEndsExpandedAndEachEntryIsASealedJobOfItsOwnWithItsParent() throws Exception {
        List<Job> children = new CopyOnWriteArrayList<>();
        List<String> parents = new CopyOnWriteArrayList<>();
        CountDownLatch handled = new CountDownLatch(3);
        List<ListEntry> entries = List.of(new ListEntry("https://x.example/1.mp4", null, "One"),
                new ListEntry("https://x.example/watch?v=2", "two-1a2b3c4d", "Two"));
        StageWorker download = new StageWorker(Stage.DOWNLOAD, (job, ctx) -> {
            handled.countDown();
            return job.parentJobId() == null ? StageOutputs.listing(entries) : job.outputs().withSource("s", 1);
        }, transport, FAST, new JobListener() {
            @Override
            public void expanded(Stage stage, Job job, List<Job> listed) {
                parents.add(job.jobId());
                children.addAll(listed);
            }
        }, registry, intake).start(1);
        List<Job> encoded = new CopyOnWriteArrayList<>();
        try (download; var encode = worker(Stage.ENCODE, (job, ctx) -> {
            encoded.add(job);
            return job.outputs();
        })) {
            Job feed = intake.seal(Job.submit("https://x.example/feed.xml", false));
            transport.publish(Stage.DOWNLOAD, feed);
            assertThat(handled.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            await("both entries encoded").atMost(Duration.ofSeconds(5)).until(() -> encoded.size() == 2);

            assertThat(parents).containsExactly(feed.jobId());
            assertThat(children).extracting(Job::sourceUrl).containsExactly("https://x.example/1.mp4",
                    "https://x.example/watch?v=2");
            assertThat(children).extracting(Job::videoId).containsExactly(VideoId.fromSource("https://x.example/1.mp4"),
                    "two-1a2b3c4d");
            assertThat(children).allMatch(intake::isSealed).allMatch(child -> feed.jobId().equals(child.parentJobId()));
            // Listing the same feed again (a redelivery) gives the same jobs.
            assertThat(entries.stream().map(feed::listed).map(Job::jobId).toList())
                    .isEqualTo(children.stream().map(Job::jobId).toList());
            assertThat(encoded).extracting(Job::jobId).containsExactlyInAnyOrderElementsOf(
                    children.stream().map(Job::jobId).toList());
            assertThat(encoded).noneMatch(job -> job.jobId().equals(feed.jobId()));
            assertThat(transport.deadLetters(Stage.DOWNLOAD, 10)).isEmpty();
        }
    }
}
