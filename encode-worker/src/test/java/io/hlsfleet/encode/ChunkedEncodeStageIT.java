package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.WorkPart;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.storage.s3.S3Location;
import io.hlsfleet.storage.s3.S3StagingArea;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.S3ServerExtension;
import io.hlsfleet.testing.SyntheticClip;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.worker.JobListener;
import io.hlsfleet.worker.RetryPolicy;
import io.hlsfleet.worker.StageHandler;
import io.hlsfleet.worker.StageWorker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A long video on two encode workers over a real broker: the encode job is split into chunk jobs
 * on the encode queue, both workers take them, one assembly hands one ladder to the upload queue,
 * and a requeued video encodes again only the chunk whose work was lost.
 */
class ChunkedEncodeStageIT {

    private static final String VHOST = "hlsfleet-chunked-encode";
    private static final RetryPolicy POLICY = new RetryPolicy(List.of(Duration.ofSeconds(1)), 3, 5);
    /**
     * A 78 s video (13 segments of 6 s) in chunks of 36 s: one of six segments, the rest in the
     * shrinking chunks of a plan's end (3, 2 and 2 segments), and the audio part.
     */
    private static final ChunkProperties CHUNKS = new ChunkProperties(true, Duration.ofSeconds(60),
            Duration.ofSeconds(36));

    @TempDir
    static Path dir;

    /** The bucket of workers that share no disk. */
    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("staging");

    static Path clip;

    private final Intake intake = new Intake("chunked encode test".getBytes(StandardCharsets.UTF_8), false);

    @BeforeAll
    static void source() throws Exception {
        clip = SyntheticClip.video(256, 144).seconds(78).writeTo(dir.resolve("long.mp4"));
    }

    /** Whether a test made the RabbitMQ vhost (a run of the broker-free test alone does not). */
    private static volatile boolean vhostMade;

    @AfterAll
    static void deleteVhost() {
        if (vhostMade) {
            Brokers.deleteRabbitVhost(VHOST);
        }
    }

    private static Transport connect(String broker) {
        vhostMade |= broker.equals("rabbitmq");
        return Brokers.isolatedTransport(broker, VHOST, Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void twoWorkersShareOneVideoAndItIsHandedOnOnce(String broker) throws Exception {
        LocalStagingArea staging = new LocalStagingArea(dir.resolve("staging-" + broker));
        EncodeSettings settings = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "90:100k,144:150k",
                "HLSFLEET_ENCODE_THREADS", "1");
        Queue<String> handled = new ConcurrentLinkedQueue<>();
        Queue<Job> uploads = new ConcurrentLinkedQueue<>();
        Queue<PartReport> reports = new ConcurrentLinkedQueue<>();
        JobListener partsDone = new JobListener() {
            @Override
            public void partDone(Stage stage, Job job, double fraction, String detail) {
                reports.add(new PartReport(detail, fraction));
            }
        };
        StageHandler upload = (job, context) -> {
            uploads.add(job);
            return job.outputs();
        };
        try (Transport transport = connect(broker);
             StageWorker first = encodeWorker("first", staging, settings, transport, handled, partsDone).start(1);
             StageWorker second = encodeWorker("second", staging, settings, transport, handled, partsDone).start(1);
             StageWorker uploader = new StageWorker(Stage.UPLOAD, upload, transport, POLICY, JobListener.NONE,
                     new SimpleMeterRegistry(), intake).start(1)) {
            Job job = stage(staging);
            long started = System.nanoTime();
            transport.publish(Stage.ENCODE, job);
            await().atMost(Duration.ofMinutes(8)).until(() -> !uploads.isEmpty());
            System.out.printf("chunked encode of a 78 s video on %s: %.1f s%n", broker, (System.nanoTime() - started) / 1e9);
            // Time for a second hand-off, if there were one.
            Thread.sleep(3000);
            assertThat(uploads).hasSize(1);
            Job handedOn = uploads.peek();
            assertThat(handedOn.outputs().part()).isNull();
            assertThat(handedOn.outputs().generation()).isEqualTo(ChunkedEncode.planName(job));
            assertThat(handled).filteredOn(h -> h.contains("part")).hasSize(5);
            assertThat(handled).as("both workers took chunks").anyMatch(h -> h.startsWith("first part"))
                    .anyMatch(h -> h.startsWith("second part"));

            Path ladder = staging.fetch(handedOn.outputs().ladder(), dir);
            LadderAssertions.assertValidLadder(ladder, clip);
            for (String variant : List.of("90p", "144p")) {
                assertThat(LadderCheck.entries(ladder.resolve(variant).resolve("index.m3u8")))
                        .as(variant).hasSize(13).first().isEqualTo("seg_00000.ts");
            }
            assertThat(handedOn.outputs().pictures()).contains("poster.jpg");

            // Each part that left work to others said how much of the whole video was done (the
            // share of its length in finished chunks); a part's own ffmpeg progress is not passed on.
            assertThat(reports).as("every part but the one that assembled, or one fewer when two finished at once")
                    .hasSizeBetween(3, 4)
                    .allSatisfy(r -> assertThat(r.detail()).matches("[1-4] of 5 parts encoded"))
                    .allSatisfy(r -> assertThat(r.fraction()).isBetween(0.0, 1.0));
            List<PartReport> byParts = reports.stream().sorted(java.util.Comparator.comparing(PartReport::detail)).toList();
            assertThat(byParts).extracting(PartReport::fraction).isSorted();
            assertThat(byParts.getLast().fraction()).as("all but one part done: at least all but the longest chunk")
                    .isGreaterThanOrEqualTo(1 - 36.0 / 78);
            reports.clear();

            // Requeued with the work of chunk 2 lost: only that chunk is encoded again.
            Path chunked = staging.root().resolve(ChunkedEncode.prefix(job, ChunkedEncode.planName(job)));
            List<String> before = partOutputs(chunked);
            assertThat(before).hasSize(5);
            String lost = before.stream().filter(p -> p.startsWith("part-1-")).findFirst().orElseThrow();
            staging.delete(ChunkedEncode.prefix(job, ChunkedEncode.planName(job)) + "/" + lost);
            Files.delete(chunked.resolve("done-1"));
            handled.clear();
            transport.publish(Stage.ENCODE, job.firstAttempt());
            await().atMost(Duration.ofMinutes(5)).until(() -> uploads.size() == 2);
            Thread.sleep(3000);
            assertThat(uploads).hasSize(2);
            List<String> after = partOutputs(chunked);
            assertThat(after).hasSize(5).containsAll(before.stream().filter(p -> !p.equals(lost)).toList())
                    .doesNotContain(lost);
            // The same generation again: the upload stage publishes a generation once.
            assertThat(uploads).extracting(j -> j.outputs().generation()).containsOnly(ChunkedEncode.planName(job));
            LadderAssertions.assertValidLadder(staging.fetch(List.copyOf(uploads).get(1).outputs().ladder(), dir), clip);
            assertThat(transport.deadLetters(Stage.ENCODE, 10)).isEmpty();
        }
    }

    /**
     * Workers that share no disk stage in a bucket, each with its own scratch space: the plan, the
     * parts' markers and the assembly's claim are conditional writes there, and the video is
     * assembled and handed on once, from chunks both workers encoded.
     */
    @Test
    void workersThatShareNoDiskChunkThroughABucket() throws Exception {
        EncodeSettings settings = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "90:100k",
                "HLSFLEET_ENCODE_THREADS", "1", "HLSFLEET_PICTURES_ENABLED", "false");
        Queue<String> handled = new ConcurrentLinkedQueue<>();
        Queue<Job> uploads = new ConcurrentLinkedQueue<>();
        StageHandler upload = (job, context) -> {
            uploads.add(job);
            return job.outputs();
        };
        try (S3StagingArea firstStaging = bucketStaging("first");
             S3StagingArea secondStaging = bucketStaging("second");
             Transport transport = connect("redis");
             StageWorker first = encodeWorker("first", firstStaging, settings, transport, handled, JobListener.NONE)
                     .start(1);
             StageWorker second = encodeWorker("second", secondStaging, settings, transport, handled, JobListener.NONE)
                     .start(1);
             StageWorker uploader = new StageWorker(Stage.UPLOAD, upload, transport, POLICY, JobListener.NONE,
                     new SimpleMeterRegistry(), intake).start(1)) {
            Job job = stage(firstStaging);
            transport.publish(Stage.ENCODE, job);
            await().atMost(Duration.ofMinutes(8)).until(() -> !uploads.isEmpty());
            Thread.sleep(3000);
            assertThat(uploads).hasSize(1);
            assertThat(handled).filteredOn(h -> h.contains("part")).hasSize(5);
            assertThat(handled).as("both workers took chunks").anyMatch(h -> h.startsWith("first part"))
                    .anyMatch(h -> h.startsWith("second part"));
            Path ladder = secondStaging.fetch(uploads.peek().outputs().ladder(), secondStaging.newScratch(job.jobId()));
            LadderAssertions.assertValidLadder(ladder, clip);
            assertThat(LadderCheck.entries(ladder.resolve("90p").resolve("index.m3u8"))).hasSize(13);
            assertThat(transport.deadLetters(Stage.ENCODE, 10)).isEmpty();
        }
    }

    private S3StagingArea bucketStaging(String worker) throws Exception {
        return new S3StagingArea(S3Location.parse("s3://staging/fleet"), S3.server().settings(dir.resolve("scratch-" + worker)));
    }

    /**
     * A chunk that fails for good is dead-lettered with a reason that names it, the other parts
     * finish without handing anything on, and the dead chunk requeued finishes the video: one
     * assembly, one hand-off.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void aDeadChunkNamesItselfAndItsRequeueFinishesTheVideo(String broker) throws Exception {
        LocalStagingArea staging = new LocalStagingArea(dir.resolve("dead-" + broker));
        EncodeSettings settings = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "90:100k",
                "HLSFLEET_ENCODE_THREADS", "1", "HLSFLEET_PICTURES_ENABLED", "false");
        EncodeStage stage = new EncodeStage(staging, settings, EncodeMetrics.none(), SegmentEncryption.disabled(), CHUNKS);
        AtomicBoolean broken = new AtomicBoolean(true);
        // The second chunk's first run finds no source, as if staging lost it: not retried (one attempt).
        StageHandler failingOnce = (job, context) -> {
            WorkPart part = job.outputs().part();
            if (part != null && part.index() == 1 && broken.getAndSet(false)) {
                return stage.process(new Job(job.schemaVersion(), job.jobId(), job.videoId(), job.sourceUrl(),
                        job.attempt(), job.stage(), job.submittedAt(), job.updatedAt(),
                        job.outputs().withSource(job.outputs().source() + "-gone", 0), job.force(), null, null,
                        job.priority(), job.options(), null), context);
            }
            return stage.process(job, context);
        };
        Queue<Job> uploads = new ConcurrentLinkedQueue<>();
        try (Transport transport = connect(broker);
             StageWorker encode = new StageWorker(Stage.ENCODE, failingOnce, transport,
                     new RetryPolicy(List.of(Duration.ofSeconds(1)), 1, 5), JobListener.NONE, new SimpleMeterRegistry(),
                     intake).start(2);
             StageWorker uploader = new StageWorker(Stage.UPLOAD, (job, context) -> {
                 uploads.add(job);
                 return job.outputs();
             }, transport, POLICY, JobListener.NONE, new SimpleMeterRegistry(), intake).start(1)) {
            Job job = stage(staging);
            transport.publish(Stage.ENCODE, job);
            String prefix = ChunkedEncode.prefix(job, ChunkedEncode.planName(job));
            await().atMost(Duration.ofMinutes(5)).until(() -> !transport.deadLetters(Stage.ENCODE, 10).isEmpty()
                    && staging.exists(prefix + "/done-0") && staging.exists(prefix + "/done-2")
                    && staging.exists(prefix + "/done-3") && staging.exists(prefix + "/done-4"));
            assertThat(transport.deadLetters(Stage.ENCODE, 10)).singleElement().satisfies(letter -> {
                assertThat(letter.jobId()).isEqualTo(job.jobId());
                assertThat(letter.reason()).startsWith("chunk 2 of 4 (segments 6-8, from 36 s): ")
                        .contains("not in staging");
            });
            Thread.sleep(2000);
            assertThat(uploads).isEmpty();
            assertThat(staging.exists(prefix + "/done-1")).isFalse();
            assertThat(staging.exists(prefix + "/assembly")).isFalse();

            assertThat(transport.requeueDeadLetters(Stage.ENCODE, List.of(job.jobId()))).isEqualTo(1);
            await().atMost(Duration.ofMinutes(5)).until(() -> uploads.size() == 1);
            Thread.sleep(2000);
            assertThat(uploads).singleElement().satisfies(handed -> {
                assertThat(handed.outputs().generation()).isEqualTo(ChunkedEncode.planName(job));
                LadderAssertions.assertValidLadder(staging.fetch(handed.outputs().ladder(), dir), clip);
            });
            assertThat(transport.deadLetters(Stage.ENCODE, 10)).isEmpty();
        }
    }

    /**
     * The same chunk run twice at once (a lease taken over from a frozen worker): one output is
     * marked done, the other is removed, and the video is assembled once.
     */
    @Test
    void theSameChunkFinishingTwiceCountsOnce() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(dir.resolve("twice"));
        EncodeSettings settings = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "90:100k",
                "HLSFLEET_ENCODE_THREADS", "1", "HLSFLEET_PICTURES_ENABLED", "false");
        EncodeStage stage = new EncodeStage(staging, settings, EncodeMetrics.none(), SegmentEncryption.disabled(), CHUNKS);
        Job job = stage(staging);
        StageOutputs split = stage.process(job, EncodeHarness.NO_PROGRESS);
        assertThat(split.split()).hasSize(5);
        assertThat(split.split().getFirst().index()).as("the short audio part is queued first").isEqualTo(4);
        List<Job> parts = split.split().stream().sorted(java.util.Comparator.comparingInt(WorkPart::index))
                .map(p -> job.part(p, split.withPart(null))).toList();
        List<StageOutputs> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            var first = pool.submit(() -> results.add(stage.process(parts.get(0), EncodeHarness.NO_PROGRESS)));
            var second = pool.submit(() -> results.add(stage.process(parts.get(0), EncodeHarness.NO_PROGRESS)));
            first.get();
            second.get();
        }
        Path chunked = staging.root().resolve(ChunkedEncode.prefix(job, ChunkedEncode.planName(job)));
        assertThat(partOutputs(chunked)).singleElement().asString().startsWith("part-0-");
        assertThat(Files.readString(chunked.resolve("done-0"))).startsWith(ChunkedEncode.prefix(job,
                ChunkedEncode.planName(job)) + "/" + partOutputs(chunked).getFirst());
        for (Job part : parts.subList(1, parts.size())) {
            results.add(stage.process(part, EncodeHarness.NO_PROGRESS));
        }
        // The last part assembled. Delivered again, the others find their work done and the assembly taken.
        for (Job part : parts.subList(0, parts.size() - 1)) {
            results.add(stage.process(part, EncodeHarness.NO_PROGRESS));
        }
        assertThat(results).filteredOn(r -> r.ladder() != null).singleElement()
                .satisfies(r -> LadderAssertions.assertValidLadder(staging.fetch(r.ladder(), dir), clip));
        assertThat(results).filteredOn(StageOutputs::reportsPartDone).hasSize(2 + 3 + 4);
        assertThat(partOutputs(chunked)).hasSize(5);
    }

    /** What a part reported of the whole job's progress as it finished. */
    private record PartReport(String detail, double fraction) {
    }

    private StageWorker encodeWorker(String name, StagingArea staging, EncodeSettings settings,
            Transport transport, Queue<String> handled, JobListener listener) {
        EncodeStage stage = new EncodeStage(staging, settings, EncodeMetrics.none(), SegmentEncryption.disabled(), CHUNKS);
        StageHandler recorded = (job, context) -> {
            WorkPart part = job.outputs().part();
            handled.add(name + " " + (part == null ? "whole" : part.toString()));
            return stage.process(job, context);
        };
        return new StageWorker(Stage.ENCODE, recorded, transport, POLICY, listener, new SimpleMeterRegistry(), intake);
    }

    private Job stage(StagingArea staging) throws Exception {
        Job job = Job.submit("https://example.org/long.mp4", false);
        String key = "jobs/" + job.jobId() + "/source-1";
        staging.store(key, Files.copy(clip, dir.resolve(job.jobId() + ".mp4")));
        return job.advance(Stage.ENCODE, StageOutputs.NONE.withSource(key, Files.size(clip)));
    }

    private static List<String> partOutputs(Path chunked) throws Exception {
        try (Stream<Path> files = Files.list(chunked)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("part-")).sorted().toList();
        }
    }
}
