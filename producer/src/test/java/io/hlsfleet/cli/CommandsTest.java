package io.hlsfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hlsfleet.job.VideoId;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.testing.SyntheticClip;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each {@code hlsfleet} command in this JVM, on the in-memory broker and a bucket in the test's
 * folder (set as system properties, which the commands read like the environment): what it prints,
 * what it refuses and its exit code. The end-to-end tests run the same commands against real fleets.
 */
class CommandsTest {

    /** The settings these tests give the commands, as {@code HLSFLEET_*} variables would. */
    private static final List<String> PROPERTIES = List.of("hlsfleet.broker", "hlsfleet.bucket", "hlsfleet.staging",
            "hlsfleet.encode.preset");

    @TempDir
    Path tmp;

    private Path bucket;

    record Run(int exitCode, String out, String err) {
    }

    @BeforeEach
    void pointTheCommandsAtTheTestsFolder() throws Exception {
        assumeTrue(System.getenv("HLSFLEET_REDIS_URL") == null && System.getenv("HLSFLEET_STATUS_REDIS_URL") == null,
                "a status store is configured in the environment");
        bucket = Files.createDirectories(tmp.resolve("bucket"));
        System.setProperty("hlsfleet.broker", "memory");
        System.setProperty("hlsfleet.bucket", bucket.toUri().toString());
        System.setProperty("hlsfleet.staging", Files.createDirectories(tmp.resolve("staging")).toString());
        // These tests check what the commands do, not picture quality.
        System.setProperty("hlsfleet.encode.preset", "ultrafast");
    }

    @AfterEach
    void clearTheSettings() {
        PROPERTIES.forEach(System::clearProperty);
    }

    private static Run hlsfleet(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = HlsfleetCommand.commandLine().setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void withoutACommandItListsTheCommands() {
        Run run = hlsfleet();
        assertThat(run.exitCode()).isZero();
        assertThat(hlsfleet("--help").out()).contains("run", "submit", "status", "watch", "dlq");
        assertThat(hlsfleet("--version").out()).startsWith("hlsfleet ");
        Run unknown = hlsfleet("publish");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unmatched argument", "publish");
    }

    @Test
    void submitPrintsOneJobIdPerQueuedUrlAndSkipsLocalPathsAndPublishedVideos() throws Exception {
        String fresh = "https://videos.example/fresh.mp4";
        String published = "https://videos.example/published.mp4";
        Files.createDirectories(bucket.resolve(VideoId.fromSource(published)));
        Files.writeString(bucket.resolve(VideoId.fromSource(published)).resolve("master.m3u8"), "#EXTM3U\n");
        Path list = Files.writeString(tmp.resolve("urls.txt"), "# a comment\n" + fresh + "\n\n" + published + "\n");

        Run run = hlsfleet("submit", list.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines().toList()).singleElement().asString().matches("[0-9a-f-]{36}");
        assertThat(run.err()).contains("skipped " + published + ": already published as "
                + VideoId.fromSource(published) + " (use --force to publish it again)");

        Run forced = hlsfleet("submit", "--force", published);
        assertThat(forced.exitCode()).isZero();
        assertThat(forced.out().lines().toList()).hasSize(1);

        Path localList = Files.writeString(tmp.resolve("local.txt"), tmp.resolve("clip.mp4") + "\n");
        Run local = hlsfleet("submit", fresh, localList.toString());
        assertThat(local.exitCode()).as("a refused item makes the exit code 1").isEqualTo(1);
        assertThat(local.out().lines().toList()).as("the URL is queued all the same").hasSize(1);
        assertThat(local.err()).contains("skipped " + tmp.resolve("clip.mp4")
                + ": local paths work only with 'hlsfleet run'; give a URL");

        assertThat(hlsfleet("submit").exitCode()).as("submit without anything to submit").isEqualTo(2);
    }

    @Test
    void runRefusesAnEmptyListAndNamesEveryItemThatFailed() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "# nothing yet\n\n");
        Run nothing = hlsfleet("run", "--out", bucket.toString(), empty.toString());
        assertThat(nothing.exitCode()).isEqualTo(2);
        assertThat(nothing.err()).contains("hlsfleet: " + empty + " lists no videos");

        Path missing = tmp.resolve("missing.mp4");
        Path list = Files.writeString(tmp.resolve("list.txt"), missing + "\n");
        Run failed = hlsfleet("run", "--out", bucket.toString(), list.toString());
        assertThat(failed.exitCode()).as(failed.out() + failed.err()).isEqualTo(1);
        assertThat(failed.out()).contains("0 of 1 videos published");
        assertThat(failed.err()).contains("FAILED " + missing + ": download: cannot read local file");
        assertThat(bucket.resolve(VideoId.fromSource(missing.toString()))).doesNotExist();
    }

    @Test
    void runSkipsAVideoThatIsPublishedAlready() throws Exception {
        Path clip = Files.writeString(tmp.resolve("clip.mp4"), "not even read");
        Path ladder = Files.createDirectories(bucket.resolve(VideoId.fromSource(clip.toString())));
        Files.writeString(ladder.resolve("master.m3u8"), "#EXTM3U\n");
        Path list = Files.writeString(tmp.resolve("list.txt"), clip + "\n");

        Run run = hlsfleet("run", "--out", bucket.toString(), list.toString());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("already published, skipped (use --force to publish again)");
        assertThat(ladder.resolve("master.m3u8")).hasContent("#EXTM3U\n");
    }

    @Test
    void statusAndWatchSayWhereTheStatusIsKeptWhenNoStoreIsConfigured() {
        for (String command : List.of("status", "watch")) {
            Run run = hlsfleet(command);
            assertThat(run.exitCode()).as(command).isEqualTo(2);
            assertThat(run.err()).as(command).contains("hlsfleet: no job status store is configured: set"
                    + " HLSFLEET_REDIS_URL (the workers record status there)");
        }
        Run badInterval = hlsfleet("watch", "--interval", "soon");
        assertThat(badInterval.exitCode()).isEqualTo(2);
        assertThat(badInterval.err()).contains("--interval=soon is not a duration (examples: 500ms, 2s, 1m)");
    }

    @Test
    void statusDescribesAJobWithItsProgressAttemptReasonAndPictures() {
        Instant at = Instant.parse("2026-01-02T03:04:05Z");
        JobStatus encoding = new JobStatus("job-1", "video-1", "https://videos.example/a.mp4?REDACTED",
                JobState.ENCODING, 63, "2.1x", 2, null, at, at, "A \u001b[2Jtitle", null);
        assertThat(StatusCommand.describe(encoding))
                .startsWith("job-1").containsPattern("encoding +63% \\(attempt 2\\)").contains("video-1 \"A \\u001b[2Jtitle\"")
                .contains("2.1x").contains("https://videos.example/a.mp4?REDACTED").contains("updated " + at)
                .doesNotContain("\u001b", "reason:", "pictures:");

        JobStatus dead = new JobStatus("job-2", "video-2", "https://videos.example/b.mp4", JobState.DEAD, -1,
                "failed at download", 1, "origin answered 404", at, at, null, null);
        assertThat(StatusCommand.describe(dead)).contains("dead").doesNotContain("%", "attempt")
                .contains("\n    reason: origin answered 404");

        JobStatus published = new JobStatus("job-3", "video-3", "https://videos.example/c.mp4", JobState.PUBLISHED,
                100, "", 1, null, at, at, null, List.of("poster.jpg", "storyboard/thumbnails.vtt"));
        assertThat(StatusCommand.describe(published)).contains("published").doesNotContain("100%")
                .contains("\n    pictures: poster.jpg, storyboard/thumbnails.vtt");
    }

    @Test
    void dlqListsRequeuesAndPurgesTheDeadLettersOfTheBroker() {
        Run list = hlsfleet("dlq", "list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("0 dead letters");
        Run purge = hlsfleet("dlq", "purge", "--stage", "encode");
        assertThat(purge.exitCode()).isZero();
        assertThat(purge.out()).contains("purged 0 dead letters");
        Run requeue = hlsfleet("dlq", "requeue", "no-such-job");
        assertThat(requeue.exitCode()).as("a named job that is not dead").isEqualTo(1);
        assertThat(requeue.out()).contains("requeued 0 jobs");

        Run badStage = hlsfleet("dlq", "list", "--stage", "publish");
        assertThat(badStage.exitCode()).isEqualTo(2);
        assertThat(badStage.err()).contains("unknown stage 'publish' (expected download, encode or upload)");
    }

    @Test
    void encodeFilesWritesALadderPerFileAndNamesTheOnesItCouldNotEncode() throws Exception {
        Path clip = SyntheticClip.video(320, 180).seconds(1).writeTo(tmp.resolve("clip.mp4"));
        Path notes = Files.writeString(tmp.resolve("notes.mp4"), "these are not moving pictures\n");
        Path out = tmp.resolve("ladders");

        Run run = hlsfleet("encode-files", out.toString(), clip.toString(), notes.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out()).containsPattern("(?m)^clip video_s=1\\.0 wall_s=[0-9.]+ ffmpeg_cpu_s=[0-9.]+ variants=\\[")
                .containsPattern("(?m)^notes FAILED \\(permanent\\): .+")
                .containsPattern("(?m)^total files=2 failed=1 video_s=1\\.0 ");
        assertThat(out.resolve("clip-hlsfleet/master.m3u8")).isRegularFile();
        assertThat(hlsfleet("encode-files", "--jobs", "0", out.toString(), clip.toString()).err())
                .contains("hlsfleet: --jobs must be at least 1");
    }
}
