package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.e2e.FleetChecker.Allowed;
import io.hlsfleet.e2e.FleetChecker.Counts;
import io.hlsfleet.e2e.FleetChecker.Expectation;
import io.hlsfleet.e2e.FleetChecker.RawPoison;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.testing.FaultyFront;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.S3Server;
import io.hlsfleet.testing.SyntheticClip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * "Never lose a video, never leave a broken one", proven with real faults on real processes: the
 * three workers as separate JVMs, a real broker (each scenario runs on RabbitMQ and on Redis with
 * the same code), real ffmpeg. Every scenario ends with {@link FleetChecker} and writes its numbers
 * to {@code producer/target/fault-report.md}.
 *
 * <p>Scenarios that restart or cut the broker run on a broker process of their own
 * ({@link Fleet#onPrivateBroker}); the others on a virtual host of the machine's shared RabbitMQ,
 * which no scenario disturbs, so the suite runs beside other tests.
 *
 * <p>Each fleet is isolated from the others (its broker or virtual host, status Redis, origin,
 * staging, bucket and logs), and a scenario spends most of its time waiting for workers, leases and
 * ffmpeg, so the scenarios run side by side ({@link Execution} on each; how many at once is set by
 * the build's {@code junit.jupiter.execution.parallel.*} parameters). Each waits on its own job ids,
 * staging folder and worker processes, never on something machine-wide.
 */
class FaultToleranceIT {

    private static final Duration SETTLE = Duration.ofMinutes(4);

    @TempDir
    Path tmp;

    /**
     * One job meets a SIGKILL at each stage: its download worker dies halfway through the body, its
     * encode worker while ffmpeg runs, and the upload worker dies too, so the ladder waits in staging
     * for a new one. After each restart the job carries on; it is published once, complete, and a
     * bystander job submitted with it is published too.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void sigkillOfEachWorkerKindMidJob(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = new Fleet(transport, tmp, "sigkill")) {
            Path victim = SyntheticClip.generate(fleet.clips(), "victim.mp4", 1280, 720, 6);
            Path bystander = SyntheticClip.generate(fleet.clips(), "bystander.mp4", 640, 360, 2);
            String victimUrl = fleet.origin().url("victim.mp4");
            String bystanderUrl = fleet.origin().url("bystander.mp4");
            // The first encode worker is slow, so that the test sees ffmpeg at work before it kills it.
            Map<String, WorkerProcess> workers = fleet.startAll(Map.of("HLSFLEET_ENCODE_PRESET", "medium"));

            // Download: killed with half the body received (the bystander goes through meanwhile).
            ClipOrigin.Stall stall = fleet.origin().stallNext("victim.mp4");
            String victimJob = fleet.submit(List.of(victimUrl, bystanderUrl)).getFirst();
            stall.awaitStarted(Duration.ofMinutes(2));
            fleet.awaitStatus(bystanderUrl, s -> s.state() == JobState.PUBLISHED, SETTLE);
            workers.get(Fleet.DOWNLOAD).kill();
            // The upload worker goes too, so that the victim's ladder waits in staging (see below).
            workers.get(Fleet.UPLOAD).kill();
            stall.release();
            fleet.start(Fleet.DOWNLOAD);

            // Encode: killed while ffmpeg encodes; ffmpeg must die with it.
            FfmpegProcesses.awaitRunning(victimJob, Duration.ofMinutes(3));
            workers.get(Fleet.ENCODE).kill();
            assertThat(FfmpegProcesses.awaitGone(victimJob, Duration.ofSeconds(5)))
                    .as("ffmpeg of a SIGKILLed encode worker").isEmpty();
            fleet.start(Fleet.ENCODE);

            // Upload: the upload worker was killed before the ladder was staged; a new one publishes it.
            await().atMost(SETTLE).until(() -> stagedLadder(fleet, victimJob).isPresent());
            assertThat(fleet.bucket().resolve(VideoId.fromSource(victimUrl))).as("published without an upload worker")
                    .doesNotExist();
            fleet.start(Fleet.UPLOAD);

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(
                    Expectation.published(victimUrl, victim, List.of(360, 720)),
                    Expectation.published(bystanderUrl, bystander, List.of(360))),
                    List.of(), Allowed.KILLED_WORKER_SCRATCH, SETTLE);
            assertThat(counts.duplicated()).isZero();
            FaultReport.record("SIGKILL download (mid-body), encode (mid-ffmpeg), upload (idle)", transport, counts, seconds(started));
        }
    }

    /**
     * Chunked encoding on (a 36 s clip in three chunks of 12 s plus a part for its audio): the only encode
     * worker is SIGKILLed while ffmpeg encodes one chunk, before that chunk is marked done. Its
     * ffmpeg dies with it; a new encode worker encodes the chunk again, assembles the video once,
     * and it is published once: one generation, the one named by the plan, under one master.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void sigkillOfTheEncodeWorkerHoldingAChunk(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = new Fleet(transport, tmp, "chunk-sigkill")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "chunked.mp4", 640, 360, 36);
            String url = fleet.origin().url("chunked.mp4");
            chunkEverythingOver20Seconds(fleet);
            fleet.start(Fleet.DOWNLOAD);
            fleet.start(Fleet.UPLOAD);
            // One part at a time and slow, so that the worker is caught holding one chunk mid-ffmpeg.
            WorkerProcess victim = fleet.start(Fleet.ENCODE, Map.of("HLSFLEET_CONCURRENCY", "1",
                    "HLSFLEET_ENCODE_PRESET", "medium"));
            String job = fleet.submit(List.of(url)).getFirst();

            String chunkFfmpeg = awaitChunkFfmpeg(job, Duration.ofMinutes(3));
            victim.kill();
            // The number the HLS output starts from (the chunk's picture outputs have numbers of their own).
            int segment = Integer.parseInt(chunkFfmpeg.replaceFirst(".* -start_number (\\d+) -f hls .*", "$1"));
            assertThat(FfmpegProcesses.awaitGone(job, Duration.ofSeconds(5)))
                    .as("ffmpeg of the SIGKILLed encode worker").isEmpty();
            Path chunks = chunkFolder(fleet, job).orElseThrow();
            int chunk = chunkStartingAt(chunks, segment);
            int chunkCount = chunkCount(chunks);
            assertThat(chunks.resolve("done-" + chunk)).as("chunk " + chunk + " done before the kill").doesNotExist();
            fleet.start(Fleet.ENCODE);

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip,
                    List.of(360))), List.of(), Allowed.KILLED_WORKER_SCRATCH, SETTLE);
            assertThat(counts.duplicated()).isZero();
            assertThat(victim.log()).contains("encode split into " + (chunkCount + 1) + " parts");
            assertPublishedOnceAsOneGeneration(fleet, url, chunks);
            FaultReport.record("SIGKILL of the encode worker holding chunk " + (chunk + 1) + " of " + chunkCount
                    + " mid-ffmpeg", transport, counts, seconds(started));
        }
    }

    /**
     * Chunked encoding on: the broker is restarted while the video is being assembled. The encode
     * worker is frozen (SIGSTOP) the moment a part wins the assembly claim, every chunk being done,
     * the broker goes away and comes back, and the worker is resumed: its hand-off meets a broker
     * that restarted under it. The video ends published under one master, as the one generation
     * named by its plan (an upload repeated for the same generation is counted, as after any
     * restart between a publication and its ack).
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void brokerRestartDuringChunkAssembly(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = Fleet.onPrivateBroker(transport, tmp, "chunk-assembly-restart")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "assembled.mp4", 640, 360, 36);
            String url = fleet.origin().url("assembled.mp4");
            chunkEverythingOver20Seconds(fleet);
            Map<String, WorkerProcess> workers = fleet.startAll();
            String job = fleet.submit(List.of(url)).getFirst();

            await().atMost(SETTLE).pollInterval(Duration.ofMillis(20))
                    .until(() -> chunkFolder(fleet, job).filter(dir -> Files.exists(dir.resolve("assembly"))).isPresent());
            WorkerProcess encode = workers.get(Fleet.ENCODE);
            encode.pause();
            Path chunks = chunkFolder(fleet, job).orElseThrow();
            int parts = chunkCount(chunks) + 1;
            boolean ladderStagedWhenFrozen = stagedLadder(fleet, job).isPresent();
            try {
                for (int part = 0; part < parts; part++) {
                    assertThat(chunks.resolve("done-" + part)).as("part " + part + " done when assembly began").exists();
                }
                fleet.broker().restart(Duration.ofSeconds(3));
            } finally {
                encode.resume();
            }

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip,
                    List.of(360))), List.of(), Allowed.REPUBLISHED, SETTLE);
            assertPublishedOnceAsOneGeneration(fleet, url, chunks);
            FaultReport.record("broker restart during chunk assembly (ladder "
                    + (ladderStagedWhenFrozen ? "already" : "not yet") + " staged when the encoder froze)",
                    transport, counts, seconds(started));
        }
    }

    /**
     * Chunked encoding for videos over 20 s, in chunks of 18 s: a 36 s clip is two chunks' worth,
     * so it goes in three chunks of two 6 s segments.
     */
    private static void chunkEverythingOver20Seconds(Fleet fleet) {
        fleet.set("HLSFLEET_ENCODE_CHUNK_ENABLED", "true");
        fleet.set("HLSFLEET_ENCODE_CHUNK_THRESHOLD", "20s");
        fleet.set("HLSFLEET_ENCODE_CHUNK_SECONDS", "18s");
    }

    /** Waits until an ffmpeg encodes a chunk of {@code jobId} (a chunk's output is numbered from its first segment). */
    private static String awaitChunkFfmpeg(String jobId, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String process : FfmpegProcesses.mentioning(jobId)) {
                if (process.matches("\\d+: \\S*ffmpeg .* -start_number \\d+ -f hls .*")) {
                    return process;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no ffmpeg encoded a chunk of " + jobId + " within " + timeout);
    }

    /** The staged state of a chunked job ({@code jobs/<jobId>/chunked-<plan>/}), once its plan is there. */
    private static Optional<Path> chunkFolder(Fleet fleet, String jobId) throws IOException {
        Path job = fleet.staging().resolve("jobs").resolve(jobId);
        if (!Files.isDirectory(job)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(job)) {
            return entries.filter(dir -> dir.getFileName().toString().startsWith("chunked-"))
                    .filter(dir -> Files.isRegularFile(dir.resolve("plan"))).findFirst();
        }
    }

    /** How many chunks the staged plan has (the video has one part more, for its audio and subtitles). */
    private static int chunkCount(Path chunks) throws IOException {
        return (int) Files.readAllLines(chunks.resolve("plan")).stream().filter(line -> line.startsWith("chunk ")).count();
    }

    /** The index of the chunk whose first segment is {@code segment}, read from the staged plan. */
    private static int chunkStartingAt(Path chunks, int segment) throws IOException {
        for (String line : Files.readAllLines(chunks.resolve("plan"))) {
            String[] fields = line.split(" ");
            if (fields[0].equals("chunk") && Integer.parseInt(fields[2]) == segment) {
                return Integer.parseInt(fields[1]);
            }
        }
        throw new IllegalStateException("no chunk of the plan starts at segment " + segment);
    }

    /**
     * The video's folder in the bucket holds one master and one generation, the one named by the
     * chunk plan, and its status names that generation.
     */
    private static void assertPublishedOnceAsOneGeneration(Fleet fleet, String url, Path chunks) throws Exception {
        String plan = chunks.getFileName().toString().substring("chunked-".length());
        JobStatus status = fleet.status(url).orElseThrow();
        assertThat(status.generation()).as("the published generation").isEqualTo(plan);
        Path video = fleet.bucket().resolve(status.videoId());
        assertThat(video.resolve("master.m3u8")).isRegularFile();
        try (Stream<Path> entries = Files.list(video)) {
            assertThat(entries.filter(Files::isDirectory).map(dir -> dir.getFileName().toString()).toList())
                    .as("generations in the bucket").containsExactly(plan);
        }
        assertThat(Files.readString(video.resolve("master.m3u8"))).contains(plan + "/");
    }

    /** The broker goes away and comes back with jobs at every stage; every job is published. */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void brokerRestartMidRun(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = Fleet.onPrivateBroker(transport, tmp, "broker-restart")) {
            List<Expectation> jobs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String name = "clip-" + i + ".mp4";
                Path clip = SyntheticClip.generate(fleet.clips(), name, 1280, 720, 3);
                jobs.add(Expectation.published(fleet.origin().url(name), clip, List.of(360, 720)));
            }
            fleet.startAll();
            fleet.submit(jobs.stream().map(Expectation::url).toList());
            // Mid-run: the broker goes as soon as some job is past its download while others are not
            // yet published.
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).until(() -> {
                List<JobStatus> statuses = fleet.statuses();
                return statuses.stream().anyMatch(s -> s.state() == JobState.ENCODING || s.state() == JobState.UPLOADING
                        || s.state() == JobState.PUBLISHED)
                        && statuses.stream().filter(s -> s.state() != JobState.PUBLISHED).count() >= 3;
            });
            fleet.broker().restart(Duration.ofSeconds(3));

            Counts counts = FleetChecker.awaitAndCheck(fleet, jobs, List.of(), Allowed.REPUBLISHED, SETTLE);
            FaultReport.record("broker restart mid-run", transport, counts, seconds(started));
        }
    }

    /**
     * Poison: a message that is no job, an HTML page, a 404, and two hostile files served as
     * {@code .mp4} (an HLS playlist and an ffconcat script, each pointing at a local video): each
     * is a dead letter with its reason, nothing of them reaches the bucket, and a good clip
     * submitted among them is published.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void poisonInputsAreDeadLetteredWithTheirReason(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = new Fleet(transport, tmp, "poison")) {
            Path good = SyntheticClip.generate(fleet.clips(), "good.mp4", 640, 360, 2);
            // A video on the worker's own disk that a hostile file tries to make the encoder read.
            Path secret = SyntheticClip.generate(tmp.resolve("private"), "secret.ts", 320, 180, 2);
            Files.writeString(fleet.clips().resolve("page.mp4"),
                    "<!doctype html><html><body><video src=\"/real.mp4\"></video></body></html>\n");
            // The control byte in a comment gets each script past the download's text sniffing, so
            // they reach the encoder, whose own guard must stop them.
            Files.writeString(fleet.clips().resolve("playlist.mp4"), "#EXTM3U\n# \u0001\n#EXT-X-TARGETDURATION:2\n"
                    + "#EXTINF:2.0,\nfile:" + secret + "\n#EXT-X-ENDLIST\n", StandardCharsets.ISO_8859_1);
            Files.writeString(fleet.clips().resolve("concat.mp4"), "ffconcat version 1.0\n# \u0001\nfile '"
                    + secret + "'\n", StandardCharsets.ISO_8859_1);
            // With page resolution off an HTML page is refused as such; pages resolved by yt-dlp
            // have their own fleet test (PageFleetIT).
            fleet.set("HLSFLEET_DOWNLOAD_YTDLP", "off");
            fleet.startAll();

            String malformed = "{\"jobId\": 12, \"truncated";
            fleet.transport().publishRaw(Stage.DOWNLOAD, malformed.getBytes(StandardCharsets.UTF_8));
            List<Expectation> jobs = List.of(
                    Expectation.published(fleet.origin().url("good.mp4"), good, List.of(360)),
                    Expectation.dead(fleet.origin().url("page.mp4"), "HTML page"),
                    Expectation.dead(fleet.origin().url("missing.mp4"), "HTTP 404"),
                    Expectation.dead(fleet.origin().url("playlist.mp4"), "is an HLS playlist, not a video"),
                    Expectation.dead(fleet.origin().url("concat.mp4"), "is an ffmpeg concat script, not a video"));
            fleet.submit(jobs.stream().map(Expectation::url).toList());

            Counts counts = FleetChecker.awaitAndCheck(fleet, jobs,
                    List.of(new RawPoison(Stage.DOWNLOAD, malformed, "not a valid job")), Allowed.NOTHING, SETTLE);
            FaultReport.record("poison inputs (raw, HTML, 404, HLS, ffconcat)", transport, counts, seconds(started));
        }
    }

    /**
     * Staging is a small tmpfs, filled up until the source fits but its ladder does not: the
     * encode fails with ENOSPC and is retried, nothing reaches the bucket meanwhile; once space is
     * freed the retry publishes the whole ladder.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void stagingDiskFullIsRetriedAndNothingPartialIsPublished(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Tmpfs staging = Tmpfs.mount(tmp.resolve("staging"), "64m");
             Fleet fleet = new Fleet(transport, tmp, "disk-full")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "big.mp4", 1280, 720, 3);
            String url = fleet.origin().url("big.mp4");
            fleet.set("HLSFLEET_MAX_ATTEMPTS", "50");
            Map<String, WorkerProcess> workers = fleet.startAll();
            FileStore disk = Files.getFileStore(staging.path());
            long room = Files.size(clip) + 64 * 1024;
            Path filler = staging.path().resolve("filler");
            Processes.check(List.of("fallocate", "-l", Long.toString(disk.getUsableSpace() - room), filler.toString()));

            fleet.submit(List.of(url));
            fleet.awaitStatus(url, s -> s.attempt() >= 3, SETTLE);
            // The encoder sees the full disk before it starts ffmpeg (or, if space runs out midway,
            // in the segments ffmpeg failed to write) and retries either way.
            assertThat(workers.get(Fleet.ENCODE).log()).contains("the encoder's disk is full");
            assertThat(fleet.bucket().resolve(VideoId.fromSource(url))).as("nothing published from a full disk")
                    .doesNotExist();
            Files.delete(filler);

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip,
                    List.of(360, 720))), List.of(), Allowed.NOTHING, SETTLE);
            FaultReport.record("staging disk full, then freed", transport, counts, seconds(started));
        }
    }

    /**
     * SIGTERM mid-encode with a one-second grace: the worker exits, ffmpeg goes with it, its scratch
     * folder is removed, and the job goes back to the queue, where another encode worker publishes
     * it. Two deliveries at most are allowed, so a released message must not count as two.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void sigtermMidEncodeGivesTheJobBack(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = new Fleet(transport, tmp, "sigterm")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "long.mp4", 1280, 720, 6);
            String url = fleet.origin().url("long.mp4");
            fleet.set("HLSFLEET_MAX_DELIVERIES", "2");
            fleet.start(Fleet.DOWNLOAD);
            fleet.start(Fleet.UPLOAD);
            WorkerProcess slow = fleet.start(Fleet.ENCODE, Map.of("HLSFLEET_SHUTDOWN_GRACE", "1s",
                    "HLSFLEET_ENCODE_PRESET", "medium"));
            String job = fleet.submit(List.of(url)).getFirst();

            FfmpegProcesses.awaitRunning(job, Duration.ofMinutes(3));
            assertThat(slow.terminate(Duration.ofSeconds(60))).as("encode worker exits on SIGTERM").isTrue();
            assertThat(FfmpegProcesses.awaitGone(job, Duration.ofSeconds(5))).as("ffmpeg after SIGTERM").isEmpty();
            assertThat(slow.log()).contains("interrupted by shutdown; job given back to the queue");
            assertThat(listing(fleet.staging().resolve("scratch"))).as("scratch after SIGTERM").isEmpty();
            fleet.start(Fleet.ENCODE);

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip,
                    List.of(360, 720))), List.of(), Allowed.NOTHING, SETTLE);
            assertThat(fleet.status(url).orElseThrow().attempt()).as("a job given back is not a failed attempt")
                    .isEqualTo(1);
            FaultReport.record("SIGTERM mid-encode, grace 1 s", transport, counts, seconds(started));
        }
    }

    /**
     * The broker closes every worker connection while ffmpeg encodes (a network cut). On RabbitMQ
     * the message returns to the queue, the cut worker's handler is interrupted (its ffmpeg stops
     * within seconds) and settles nothing, and the job is encoded again after reconnection; on
     * Redis the entry stays with its worker, which reconnects and finishes. Either way: one ladder.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void networkCutMidEncode(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        long cutToStop = -1;
        try (Fleet fleet = Fleet.onPrivateBroker(transport, tmp, "network-cut")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "cut.mp4", 1280, 720, 6);
            String url = fleet.origin().url("cut.mp4");
            fleet.startAll(Map.of("HLSFLEET_ENCODE_PRESET", "medium"));
            String job = fleet.submit(List.of(url)).getFirst();

            String before = FfmpegProcesses.awaitRunning(job, Duration.ofMinutes(3));
            ProcessHandle ffmpeg = ProcessHandle.of(Long.parseLong(before.substring(0, before.indexOf(':'))))
                    .orElseThrow();
            fleet.broker().cutConnections();
            if (transport == FleetBroker.Kind.RABBITMQ) {
                long cut = System.nanoTime();
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> !ffmpeg.isAlive());
                cutToStop = Duration.ofNanos(System.nanoTime() - cut).toMillis();
            }

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip,
                    List.of(360, 720))), List.of(), Allowed.NOTHING, SETTLE);
            FaultReport.record("network cut of every worker connection mid-encode"
                    + (cutToStop >= 0 ? " (stale ffmpeg stopped " + cutToStop + " ms after the cut)" : ""),
                    transport, counts, seconds(started));
        }
    }

    /**
     * Redis only: the encode worker freezes (SIGSTOP) longer than its lease while ffmpeg runs;
     * another encode worker takes the job over and publishes it. Resumed (SIGCONT), the frozen one
     * finds its lease gone, stops its ffmpeg and settles nothing.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(value = FleetBroker.Kind.class, names = "REDIS")
    void leaseExpiresUnderAFrozenWorker(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = new Fleet(transport, tmp, "frozen-worker")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "frozen.mp4", 1280, 720, 6);
            String url = fleet.origin().url("frozen.mp4");
            fleet.start(Fleet.DOWNLOAD);
            fleet.start(Fleet.UPLOAD);
            WorkerProcess frozen = fleet.start(Fleet.ENCODE, Map.of("HLSFLEET_ENCODE_PRESET", "medium"));
            String job = fleet.submit(List.of(url)).getFirst();

            FfmpegProcesses.awaitRunning(job, Duration.ofMinutes(3));
            frozen.pause();
            try {
                // The lease is 5 s; the second worker takes the job over once it has started.
                fleet.start(Fleet.ENCODE);
                fleet.awaitStatus(url, s -> s.state() == JobState.UPLOADING || s.state() == JobState.PUBLISHED,
                        SETTLE);
            } finally {
                frozen.resume();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> frozen.log().contains("attempt abandoned"));

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip,
                    List.of(360, 720))), List.of(), Allowed.NOTHING, SETTLE);
            FaultReport.record("encode worker frozen (SIGSTOP) past its lease, then resumed", transport, counts,
                    seconds(started));
        }
    }

    /**
     * One long encode is interrupted by SIGTERM six times in a row (rolling deploys), with at most
     * five deliveries allowed: graceful releases are not crashes, so the seventh worker publishes it.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void sixSigtermsInARowAreNotPoison(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = new Fleet(transport, tmp, "six-sigterms")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "long.mp4", 1280, 720, 6);
            String url = fleet.origin().url("long.mp4");
            fleet.set("HLSFLEET_MAX_DELIVERIES", "5");
            fleet.start(Fleet.DOWNLOAD);
            fleet.start(Fleet.UPLOAD);
            // Seven encode workers at once, so the job never waits for one to start: each SIGTERM
            // gives it back, and one of those still running takes it.
            fleet.start(Fleet.ENCODE, 7, Map.of("HLSFLEET_SHUTDOWN_GRACE", "1s", "HLSFLEET_ENCODE_PRESET", "medium"));
            String job = fleet.submit(List.of(url)).getFirst();
            for (int stop = 1; stop <= 6; stop++) {
                WorkerProcess encode = fleet.runnerOf(FfmpegProcesses.awaitRunning(job, Duration.ofMinutes(3)));
                List<String> itsRun = FfmpegProcesses.mentioning(job);
                assertThat(encode.terminate(Duration.ofSeconds(60))).as("SIGTERM " + stop).isTrue();
                // Only this worker's ffmpeg: another worker may already have started the job again.
                assertThat(FfmpegProcesses.awaitExited(itsRun, Duration.ofSeconds(10)))
                        .as("ffmpeg after SIGTERM " + stop).isEmpty();
            }

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip,
                    List.of(360, 720))), List.of(), Allowed.NOTHING, SETTLE);
            FaultReport.record("one encode SIGTERMed six times in a row (5 deliveries allowed)", transport, counts,
                    seconds(started));
        }
    }

    /**
     * The broker is down while the workers start: they start, report not ready, and consume once
     * it is back, within 30 s.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void workersStartedWhileTheBrokerIsDownWaitForIt(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = Fleet.onPrivateBroker(transport, tmp, "broker-down-at-start")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "late.mp4", 640, 360, 2);
            String url = fleet.origin().url("late.mp4");
            fleet.broker().stop();
            List<WorkerProcess> workers = new ArrayList<>();
            for (String module : Fleet.WORKERS) {
                workers.add(fleet.launch(module, Map.of()));
            }
            for (WorkerProcess worker : workers) {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                        .until(() -> liveButNotReady(worker));
            }
            fleet.broker().boot();
            long back = System.nanoTime();
            for (WorkerProcess worker : workers) {
                worker.awaitHealthy(Duration.ofSeconds(30));
            }
            long readyAfter = Duration.ofNanos(System.nanoTime() - back).toSeconds();
            fleet.submit(List.of(url));

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip,
                    List.of(360))), List.of(), Allowed.NOTHING, SETTLE);
            FaultReport.record("workers started with the broker down (ready " + readyAfter + " s after it came)",
                    transport, counts, seconds(started));
        }
    }

    /**
     * A dead letter at each stage (a 404 at download, a broken ffmpeg at encode, a bucket folder
     * in the way at upload), listed 25 times and still there, then requeued once the causes are
     * fixed: each job carries on from its staged inputs and is published.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void deadLettersListedOftenThenRequeuedFromEachStage(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = new Fleet(transport, tmp, "dlq-requeue")) {
            Path late = fleet.clips().resolve("late.mp4");
            Path broken = SyntheticClip.generate(fleet.clips(), "broken-encoder.mp4", 640, 360, 2);
            Path blocked = SyntheticClip.generate(fleet.clips(), "blocked-bucket.mp4", 640, 360, 2);
            String lateUrl = fleet.origin().url("late.mp4");
            String brokenUrl = fleet.origin().url("broken-encoder.mp4");
            String blockedUrl = fleet.origin().url("blocked-bucket.mp4");
            fleet.set("HLSFLEET_MAX_ATTEMPTS", "1");
            // A file where the upload must make the video's folder: the upload fails.
            Files.createDirectories(fleet.bucket());
            Path obstacle = Files.writeString(fleet.bucket().resolve(VideoId.fromSource(blockedUrl)), "in the way");
            fleet.start(Fleet.DOWNLOAD);
            WorkerProcess brokenEncoder = fleet.start(Fleet.ENCODE, Map.of("HLSFLEET_FFMPEG", "false"));
            WorkerProcess upload = fleet.start(Fleet.UPLOAD);
            fleet.submit(List.of(lateUrl));
            fleet.awaitStatus(lateUrl, s -> s.state() == JobState.DEAD, SETTLE);
            fleet.submit(List.of(brokenUrl));
            fleet.awaitStatus(brokenUrl, s -> s.state() == JobState.DEAD, SETTLE);
            brokenEncoder.terminate(Duration.ofSeconds(60));
            fleet.start(Fleet.ENCODE);
            fleet.submit(List.of(blockedUrl));
            fleet.awaitStatus(blockedUrl, s -> s.state() == JobState.DEAD, SETTLE);

            // Listed 24 times the way `dlq list` reads them (in this JVM: a CLI process each would
            // cost seconds of CPU), then by `dlq list` itself.
            for (int listing = 1; listing <= 24; listing++) {
                int letters = 0;
                for (Stage stage : Stage.values()) {
                    letters += fleet.transport().deadLetters(stage, 100).size();
                }
                assertThat(letters).as("dead letters at listing " + listing).isEqualTo(3);
            }
            assertThat(fleet.cli("dlq", "list")).as("listing 25").contains("3 dead letters");
            // The causes are fixed: the clip is on the origin, a working encoder runs, the bucket is clear.
            SyntheticClip.generate(fleet.clips(), "late.mp4", 640, 360, 2);
            Files.delete(obstacle);
            String requeued = fleet.cli("dlq", "requeue");
            assertThat(requeued).contains("download -> download").contains("encode -> encode")
                    .contains("upload -> upload").contains("requeued 3 jobs");
            // Requeued jobs are no longer shown dead, even before a worker takes them.
            for (String url : List.of(lateUrl, brokenUrl, blockedUrl)) {
                assertThat(fleet.status(url).orElseThrow().state()).as(url).isNotEqualTo(JobState.DEAD);
            }

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(
                    Expectation.published(lateUrl, late, List.of(360)),
                    Expectation.published(brokenUrl, broken, List.of(360)),
                    Expectation.published(blockedUrl, blocked, List.of(360))), List.of(), Allowed.NOTHING, SETTLE);
            assertThat(upload.isAlive()).isTrue();
            FaultReport.record("dead letter at each stage, listed 25 times, requeued", transport, counts,
                    seconds(started));
        }
    }

    /**
     * The upload worker is SIGKILLed while it uploads a ladder to a slow S3 store (an S3Proxy behind
     * a front that passes 24 KiB/s per connection): some of the ladder is in the bucket, its master
     * is not. Another upload worker takes the job and publishes it, exactly once: one publication,
     * a complete ladder (the killed attempt's objects overwritten by the same ones), master last.
     */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void sigkillOfTheUploadWorkerMidUpload(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (S3Server s3 = S3Server.start();
             FaultyFront slowS3 = FaultyFront.throttled(s3.endpoint(), 24 * 1024);
             Fleet fleet = new Fleet(transport, tmp, "upload-sigkill")) {
            s3.createBucket("cdn");
            s3.environment().forEach(fleet::set);
            fleet.set("AWS_ENDPOINT_URL_S3", slowS3.endpoint().toString());
            fleet.set("HLSFLEET_BUCKET", "s3://cdn/hls");
            Path clip = SyntheticClip.generate(fleet.clips(), "uploaded.mp4", 1280, 720, 4);
            String url = fleet.origin().url("uploaded.mp4");
            String prefix = "hls/" + VideoId.fromSource(url) + "/";
            Map<String, WorkerProcess> workers = fleet.startAll();
            fleet.submit(List.of(url));

            await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).until(() -> !keys(s3, prefix).isEmpty());
            workers.get(Fleet.UPLOAD).kill();
            List<String> uploadedBeforeTheKill = keys(s3, prefix);
            assertThat(uploadedBeforeTheKill).as("objects in the bucket when the upload worker was killed")
                    .isNotEmpty().doesNotContain(prefix + "master.m3u8");
            fleet.start(Fleet.UPLOAD);

            List<Expectation> jobs = List.of(Expectation.published(url, clip, List.of(360, 720)));
            FleetChecker.awaitFinished(fleet, jobs, SETTLE);
            // The checker reads the bucket as files.
            for (String key : keys(s3, "hls/")) {
                Path file = fleet.bucket().resolve(key.substring("hls/".length()));
                Files.createDirectories(file.getParent());
                s3.admin().getObject(b -> b.bucket("cdn").key(key), ResponseTransformer.toFile(file));
            }
            Counts counts = FleetChecker.check(fleet, jobs, List.of(), Allowed.KILLED_WORKER_SCRATCH);
            assertThat(keys(s3, prefix)).as("the published ladder").containsAll(uploadedBeforeTheKill);
            assertThat(counts.duplicated()).isZero();
            FaultReport.record("SIGKILL of the upload worker mid-upload (slow S3; " + uploadedBeforeTheKill.size()
                    + " objects up when killed)", transport, counts, seconds(started));
        }
    }

    /** Complete objects under {@code prefix}: S3Proxy also lists each object being written, as its key plus a UUID. */
    private static List<String> keys(S3Server s3, String prefix) {
        return s3.admin().listObjectsV2Paginator(b -> b.bucket("cdn").prefix(prefix)).contents().stream()
                .map(S3Object::key).filter(key -> !IN_PROGRESS.matcher(key).matches()).sorted().toList();
    }

    private static final java.util.regex.Pattern IN_PROGRESS = java.util.regex.Pattern.compile(
            ".*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /** A message far larger than a job may be (1 MiB) is dead-lettered unread, with the start of its body. */
    @ParameterizedTest
    @Execution(ExecutionMode.CONCURRENT)
    @EnumSource(FleetBroker.Kind.class)
    void oversizeMessageIsDeadLetteredUnread(FleetBroker.Kind transport) throws Exception {
        long started = System.nanoTime();
        try (Fleet fleet = new Fleet(transport, tmp, "oversize")) {
            Path good = SyntheticClip.generate(fleet.clips(), "good.mp4", 640, 360, 2);
            String goodUrl = fleet.origin().url("good.mp4");
            fleet.startAll();
            String start = "https://videos.example/oversize-" + transport.name().toLowerCase(Locale.ROOT);
            fleet.transport().publishRaw(Stage.DOWNLOAD, (start + "x".repeat(1 << 20)).getBytes(StandardCharsets.UTF_8));
            fleet.submit(List.of(goodUrl));

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(goodUrl, good,
                    List.of(360))), List.of(new RawPoison(Stage.DOWNLOAD, start, "larger than")), Allowed.NOTHING,
                    SETTLE);
            for (DeadLetter letter : fleet.transport().deadLetters(Stage.DOWNLOAD, 10)) {
                assertThat(letter.rawBody().length()).as("raw body kept in a dead letter").isLessThanOrEqualTo(8192);
            }
            FaultReport.record("1 MiB message on the intake", transport, counts, seconds(started));
        }
    }

    private static boolean liveButNotReady(WorkerProcess worker) {
        try {
            return worker.isAlive() && worker.get("/actuator/health/liveness").statusCode() == 200
                    && worker.get("/actuator/health/readiness").statusCode() != 200;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The folder of a complete ladder staged for {@code jobId} by any encode attempt, if there is one. */
    private static Optional<Path> stagedLadder(Fleet fleet, String jobId) throws IOException {
        Path job = fleet.staging().resolve("jobs").resolve(jobId);
        if (!Files.isDirectory(job)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(job)) {
            return entries.filter(dir -> dir.getFileName().toString().startsWith("ladder-"))
                    .filter(dir -> Files.isRegularFile(dir.resolve("master.m3u8"))).findFirst();
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(Path::toString).toList();
        }
    }

    private static long seconds(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos).toSeconds();
    }
}
