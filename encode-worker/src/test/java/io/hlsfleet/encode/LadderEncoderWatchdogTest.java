package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.hlsfleet.job.JobFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog, tested with a fake ffmpeg: a shell script that prints one progress report and then
 * hangs, which real ffmpeg cannot be made to do on demand. Everything else about encoding is
 * tested with real ffmpeg in the integration tests.
 */
class LadderEncoderWatchdogTest {

    @TempDir
    Path dir;

    private static final MediaInfo MEDIA = new MediaInfo("mov", 640, 360, 10, 25, 0, 1);

    /** A fake ffmpeg that reports 1 s of progress, writes its pid to {@code pidFile}, then hangs. */
    private Path hangingFfmpeg(Path pidFile) throws Exception {
        Path script = dir.resolve("fake-ffmpeg.sh");
        Files.writeString(script, "#!/bin/sh\necho $$ > " + pidFile + "\n"
                + "printf 'out_time_us=1000000\\nspeed=1.0x\\nprogress=continue\\n'\nexec sleep 600\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private EncodeSettings settings(Path ffmpeg, String stall, String minLimit, String factor) {
        return EncodeHarness.settings("HLSFLEET_FFMPEG", ffmpeg.toString(), "HLSFLEET_ENCODE_STALL_TIMEOUT", stall,
                "HLSFLEET_ENCODE_MIN_TIME_LIMIT", minLimit, "HLSFLEET_ENCODE_TIME_LIMIT_FACTOR", factor);
    }

    @Test
    void stalledFfmpegIsKilledAndTheAttemptIsRetryable() throws Exception {
        Path pid = dir.resolve("pid");
        LadderEncoder encoder = new LadderEncoder(settings(hangingFfmpeg(pid), "1s", "10m", "20"), EncodeMetrics.none());
        long start = System.nanoTime();

        JobFailure failure = catchThrowableOfType(JobFailure.class,
                () -> encoder.encode(dir.resolve("source.mp4"), MEDIA, dir.resolve("out"), EncodeHarness.NO_PROGRESS));

        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.reason()).contains("no progress and used no CPU for 1 s").contains("stuck at 1.0 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertDead(pid);
    }

    /**
     * ffmpeg writes no progress report until every output has its first frame, which for a
     * picture output can come minutes into a long video: an ffmpeg that is busy all that time is
     * working, not stuck. The fake reports nothing while it spends three times the stall timeout
     * on the CPU, then finishes.
     */
    @Test
    void aBusyFfmpegThatReportsNothingYetIsNotStopped() throws Exception {
        Path finished = dir.resolve("finished");
        Path script = dir.resolve("busy-ffmpeg.sh");
        Files.writeString(script, "#!/bin/bash\nwhile (( SECONDS < 3 )); do :; done\n"
                + "printf 'out_time_us=10000000\\nprogress=end\\n'\ntouch " + finished + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        LadderEncoder encoder = new LadderEncoder(settings(script, "1s", "10m", "20"), EncodeMetrics.none());

        JobFailure failure = catchThrowableOfType(JobFailure.class,
                () -> encoder.encode(dir.resolve("source.mp4"), MEDIA, dir.resolve("out"), EncodeHarness.NO_PROGRESS));

        assertThat(finished).as("the fake ran to its end").exists();
        // It wrote no ladder, so the encode fails afterwards, but not by the watchdog.
        assertThat(failure).isNotNull();
        assertThat(failure.reason()).doesNotContain("no progress");
    }

    /**
     * Until ffmpeg's first report (which waits for the first poster candidate, a sixteenth of the
     * way into the video), progress comes from the segments written: all but the one being written.
     * The fake writes five 6 s segments of a 60 s video, half a second apart, and reports nothing
     * until its end.
     */
    @Test
    void progressBeforeFfmpegsFirstReportComesFromTheSegmentsWritten() throws Exception {
        MediaInfo media = new MediaInfo("mov", 640, 360, 60, 25, 0, 1);
        EncodeSettings settings = EncodeHarness.settings("HLSFLEET_ENCODE_STALL_TIMEOUT", "1m");
        Path variant = dir.resolve("out").resolve(LadderPlanner.plan(media, settings).getFirst().name());
        Path script = dir.resolve("segment-writing-ffmpeg.sh");
        Files.writeString(script, "#!/bin/sh\nfor k in 0 1 2 3 4; do touch " + variant + "/seg_0000$k.ts; sleep 0.5; done\n"
                + "printf 'out_time_us=60000000\\nprogress=end\\n'\nsleep 0.5\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        LadderEncoder encoder = new LadderEncoder(settings(script, "1m", "10m", "20"), EncodeMetrics.none());
        List<Double> shown = new CopyOnWriteArrayList<>();

        // It wrote no playlist, so the encode fails afterwards; the progress shown before is the test.
        catchThrowable(() -> encoder.encode(dir.resolve("source.mp4"), media, dir.resolve("out"),
                (fraction, detail) -> shown.add(fraction)));

        assertThat(shown).as("6 s steps of 60 s, then ffmpeg's report").containsSubsequence(0.0, 0.1, 0.2, 0.3, 0.4, 1.0);
        assertThat(shown).as("never backwards").isSortedAccordingTo(Double::compare);
    }

    @Test
    void overallTimeLimitStopsAnEncodeThatNeverStalls() throws Exception {
        Path script = dir.resolve("slow-ffmpeg.sh");
        // Progress keeps coming, but far slower than realtime.
        Files.writeString(script, "#!/bin/sh\ni=0\nwhile true; do i=$((i+1000)); printf 'out_time_us=%d\\nprogress=continue\\n' $i;"
                + " sleep 0.1; done\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        LadderEncoder encoder = new LadderEncoder(settings(script, "1s", "1500ms", "0"), EncodeMetrics.none());

        JobFailure failure = catchThrowableOfType(JobFailure.class,
                () -> encoder.encode(dir.resolve("source.mp4"), MEDIA, dir.resolve("out"), EncodeHarness.NO_PROGRESS));

        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.reason()).contains("longer than its limit");
    }

    @Test
    void interruptKillsFfmpegAtOnce() throws Exception {
        Path pid = dir.resolve("pid");
        LadderEncoder encoder = new LadderEncoder(settings(hangingFfmpeg(pid), "10m", "10m", "20"), EncodeMetrics.none());
        Thread[] worker = new Thread[1];
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        worker[0] = Thread.ofPlatform().start(() -> {
            try {
                encoder.encode(dir.resolve("source.mp4"), MEDIA, dir.resolve("out"), EncodeHarness.NO_PROGRESS);
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        while (!Files.exists(pid) || Files.readString(pid).isBlank()) {
            Thread.sleep(20);
        }
        long start = System.nanoTime();
        worker[0].interrupt();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertDead(pid);
    }

    @Test
    void failedRunsAreClassified() {
        assertThat(LadderEncoder.failure(1, "av_interleaved_write_frame(): No space left on device").retryable()).isTrue();
        assertThat(LadderEncoder.failure(1, "av_interleaved_write_frame(): No space left on device").reason())
                .contains("disk is full");
        assertThat(LadderEncoder.failure(137, "").reason()).contains("killed by signal 9");
        assertThat(LadderEncoder.failure(137, "").retryable()).isTrue();
        JobFailure corrupt = LadderEncoder.failure(1, "file:/x: Invalid data found when processing input");
        assertThat(corrupt.retryable()).isFalse();
        assertThat(corrupt.reason()).isEqualTo("the video could not be decoded: Invalid data found when processing input");
        assertThat(LadderEncoder.failure(234, "Conversion failed!").retryable()).isTrue();
    }

    private static void assertDead(Path pidFile) throws Exception {
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        ProcessHandle.of(pid).ifPresent(p -> {
            try {
                p.onExit().get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("fake ffmpeg " + pid + " is still running", e);
            }
        });
    }
}
