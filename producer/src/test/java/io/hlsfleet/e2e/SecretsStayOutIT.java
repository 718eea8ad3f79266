package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.status.JobState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A presigned URL's signature is needed by the download and by nothing else: it appears in no
 * worker's log, no dead letter and no status, whether its job is published or dies. What
 * {@code dlq list} and {@code status} print cannot carry a terminal escape sequence.
 */
class SecretsStayOutIT {

    private static final String SIGNATURE = "5ec4e75160a7ure0f7he5ource";
    private static final String QUERY = "?X-Amz-Credential=AKIDEXAMPLE&X-Amz-Signature=" + SIGNATURE;

    @TempDir
    Path tmp;

    @Test
    void aPresignedUrlsSignatureAppearsInNoLogDeadLetterOrStatus() throws Exception {
        try (Fleet fleet = new Fleet(FleetBroker.Kind.REDIS, tmp, "SecretsStayOutIT")) {
            Path clip = TestClips.generate(fleet.clips(), "signed.mp4", 640, 360, 2);
            fleet.startAll();
            String good = fleet.origin().url("signed.mp4") + QUERY;
            String gone = fleet.origin().url("expired.mp4") + QUERY;
            List<String> jobs = fleet.submit(List.of(good, gone));
            String escape = "\u001b]0;owned\u0007\u001b[2J";
            fleet.transport().publishRaw(Stage.DOWNLOAD,
                    ("note " + escape + " " + gone).getBytes(StandardCharsets.UTF_8));

            awaitFinished(fleet, jobs);
            String redactedGood = fleet.origin().url("signed.mp4") + "?REDACTED";
            assertThat(fleet.status(redactedGood)).get().extracting(s -> s.state()).isEqualTo(JobState.PUBLISHED);
            LadderVerifier.verify(fleet.bucket(), VideoId.fromSource(good), clip, List.of(360));
            assertThat(fleet.transport().deadLetters(Stage.DOWNLOAD, 10)).hasSize(2);

            StringBuilder seen = new StringBuilder();
            try (Stream<Path> logs = Files.list(fleet.logs())) {
                for (Path log : logs.toList()) {
                    seen.append(Files.readString(log));
                }
            }
            assertThat(seen).as("worker logs").contains("REDACTED").doesNotContain(SIGNATURE);
            String deadLetters = JobCodec.toJson(fleet.transport().deadLetters(Stage.DOWNLOAD, 10));
            assertThat(deadLetters).contains("expired.mp4?REDACTED").doesNotContain(SIGNATURE);
            assertThat(JobCodec.toJson(fleet.statuses())).doesNotContain(SIGNATURE);

            Cli.Result dlq = Cli.run(fleet.env(), List.of("dlq", "list"));
            assertThat(dlq.out()).contains("expired.mp4?REDACTED", "\\u001b]0;owned\\u0007")
                    .doesNotContain(SIGNATURE, "\u001b", "\u0007");
            Cli.Result status = Cli.run(fleet.env(), List.of("status"));
            assertThat(status.out()).contains("signed.mp4?REDACTED").doesNotContain(SIGNATURE, "\u001b");
        }
    }

    private static void awaitFinished(Fleet fleet, List<String> jobs) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (System.nanoTime() < deadline) {
            long finished = fleet.statuses().stream()
                    .filter(s -> jobs.contains(s.jobId()) && s.state().finished()).count();
            if (finished == jobs.size()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("jobs " + jobs + " did not finish; statuses " + fleet.statuses());
    }
}
