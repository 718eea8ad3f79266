package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.e2e.FleetChecker.Allowed;
import io.hlsfleet.e2e.FleetChecker.Expectation;
import io.hlsfleet.e2e.FleetChecker.RawPoison;
import io.hlsfleet.e2e.FleetChecker.Snapshot;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault suite's verdict must catch each way of losing or breaking a job. */
class FleetCheckerTest {

    private static final String URL = "http://origin.test/clip.mp4";

    @TempDir
    Path tmp;

    private Path bucket;
    private Path staging;
    private final Job job = Job.submit(URL, false);

    @BeforeEach
    void folders() throws Exception {
        bucket = Files.createDirectories(tmp.resolve("bucket"));
        staging = Files.createDirectories(tmp.resolve("staging"));
    }

    private JobStatus status(JobState state, String reason) {
        return new JobStatus(job.jobId(), job.videoId(), URL, state, 100, "", 1, reason, Instant.now(), Instant.now(),
                null);
    }

    private Snapshot snapshot(List<JobStatus> statuses, List<DeadLetter> letters, String uploadLog, List<String> ffmpeg) {
        return new Snapshot(statuses, Map.of(Stage.DOWNLOAD, letters), bucket, staging, uploadLog, ffmpeg);
    }

    private static String published(Job job) {
        return "12:00:00.000 INFO  [upload " + job.jobId() + "] StageWorker: upload succeeded; ladder published\n";
    }

    @Test
    void aDeadJobWithItsReasonAndDeadLetterPasses() throws Exception {
        var counts = FleetChecker.evaluate(snapshot(List.of(status(JobState.DEAD, "the origin answered HTTP 404")),
                List.of(new DeadLetter(job, null, Stage.DOWNLOAD, 1, "x", "the origin answered HTTP 404", Instant.now())),
                "", List.of()), List.of(Expectation.dead(URL, "HTTP 404")), List.of(), Allowed.NOTHING);
        assertThat(counts).isEqualTo(new FleetChecker.Counts(1, 0, 1, 0));
    }

    @Test
    void catchesALostJob() {
        assertThatThrownBy(() -> FleetChecker.evaluate(snapshot(List.of(), List.of(), "", List.of()),
                List.of(Expectation.dead(URL, "HTTP 404")), List.of(), Allowed.NOTHING))
                .hasMessageContaining("the job is lost");
    }

    @Test
    void catchesAJobThatNeverFinished() {
        assertThatThrownBy(() -> FleetChecker.evaluate(snapshot(List.of(status(JobState.ENCODING, null)), List.of(),
                "", List.of()), List.of(Expectation.published(URL, tmp, List.of(360))), List.of(), Allowed.NOTHING))
                .hasMessageContaining("never finished");
    }

    @Test
    void catchesAPublishedLadderWithoutItsMaster() throws Exception {
        Files.createDirectories(bucket.resolve(job.videoId()).resolve("360p"));
        assertThatThrownBy(() -> FleetChecker.evaluate(snapshot(List.of(status(JobState.PUBLISHED, null)), List.of(),
                published(job), List.of()), List.of(Expectation.published(URL, tmp, List.of(360))), List.of(),
                Allowed.NOTHING))
                .hasMessageContaining("is broken").hasMessageContaining("master playlist");
    }

    @Test
    void catchesADeadJobWithoutADeadLetter() {
        assertThatThrownBy(() -> FleetChecker.evaluate(snapshot(List.of(status(JobState.DEAD, "HTTP 404")), List.of(),
                "", List.of()), List.of(Expectation.dead(URL, "HTTP 404")), List.of(), Allowed.NOTHING))
                .hasMessageContaining("no dead letter");
    }

    @Test
    void catchesAMissingRawDeadLetter() {
        assertThatThrownBy(() -> FleetChecker.evaluate(snapshot(List.of(), List.of(), "", List.of()), List.of(),
                List.of(new RawPoison(Stage.DOWNLOAD, "{broken", "not a valid job")), Allowed.NOTHING))
                .hasMessageContaining("no dead letter on download");
    }

    @Test
    void catchesPartialLaddersInTheBucketAndLeftovers() throws Exception {
        Files.createDirectories(bucket.resolve("some-video"));
        Files.createDirectories(staging.resolve("jobs").resolve(job.jobId()));
        Files.createDirectories(staging.resolve("scratch").resolve(job.jobId() + "-1"));
        assertThatThrownBy(() -> FleetChecker.evaluate(snapshot(List.of(), List.of(), "",
                List.of("42: ffmpeg -i " + staging)), List.of(), List.of(), Allowed.NOTHING))
                .hasMessageContaining("the bucket holds [some-video]")
                .hasMessageContaining("ffmpeg left running")
                .hasMessageContaining("staged files left")
                .hasMessageContaining("scratch folders left");
    }

    @Test
    void catchesALadderPublishedTwice() {
        assertThatThrownBy(() -> FleetChecker.evaluate(snapshot(List.of(), List.of(), published(job) + published(job),
                List.of()), List.of(), List.of(), Allowed.NOTHING))
                .hasMessageContaining("1 job(s) had their ladder published more than once");
        assertThat(FleetChecker.duplicatedPublications(published(job) + published(Job.submit(URL, true))))
                .isZero();
    }

    @Test
    void findsAnFfmpegWorkingInStagingWhoeverStartedIt() throws Exception {
        Path target = staging.resolve("segment.ts");
        Process process = new ProcessBuilder("bash", "-c", "exec -a ffmpeg tail -f /dev/null " + target)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertThat(FfmpegProcesses.awaitRunning(staging.toString(), Duration.ofSeconds(10))).contains(target.toString());
        } finally {
            process.destroyForcibly();
            process.waitFor();
        }
        assertThat(FfmpegProcesses.awaitGone(staging.toString(), Duration.ofSeconds(5))).isEmpty();
    }
}
