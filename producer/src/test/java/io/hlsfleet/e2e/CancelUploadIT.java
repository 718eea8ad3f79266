package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.testing.FaultyFront;
import io.hlsfleet.testing.S3Server;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code hlsfleet cancel} of a job whose upload is running, on each transport, with the three
 * workers as processes of their own and a slow S3 bucket (S3Proxy behind a front passing 32 KiB/s
 * per connection, one file at a time, a ladder of one rung in 2 s segments: about a minute to
 * upload, a few seconds a file): once part of the ladder is in the bucket the job is cancelled; the
 * upload stops after the file under way, what it wrote is removed, no master playlist is ever
 * written, the staged files are gone, and the job ends cancelled at the upload stage (status and
 * event), with nothing dead-lettered.
 */
class CancelUploadIT {

    /** S3Proxy also lists each object being written, as its key plus a UUID. */
    private static final Pattern IN_PROGRESS = Pattern.compile(
            ".*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(FleetBroker.Kind.class)
    void aRunningUploadIsCancelledAndLeavesNothingInTheBucket(FleetBroker.Kind kind) throws Exception {
        try (S3Server s3 = S3Server.start();
             FaultyFront slowS3 = FaultyFront.throttled(s3.endpoint(), 32 * 1024);
             Fleet fleet = new Fleet(kind, tmp, "CancelUploadIT")) {
            s3.createBucket("cdn");
            s3.environment().forEach(fleet::set);
            fleet.set("AWS_ENDPOINT_URL_S3", slowS3.endpoint().toString());
            fleet.set("HLSFLEET_BUCKET", "s3://cdn/hls");
            fleet.set("HLSFLEET_ENCODE_RUNGS", "360:500k");
            fleet.set("HLSFLEET_ENCODE_SEGMENT_SECONDS", "2");
            fleet.set("HLSFLEET_UPLOAD_PARALLELISM", "1");
            SyntheticClip.generate(fleet.clips(), "uploading.mp4", 640, 360, 30);
            String url = fleet.origin().url("uploading.mp4");
            String prefix = "hls/" + VideoId.fromSource(url) + "/";
            fleet.startAll();
            List<JobEvent> events = new CopyOnWriteArrayList<>();
            try (EventBus.Feed feed = fleet.transport().events().follow("cancelled.*", events::add)) {
                String jobId = fleet.submit(List.of(url)).getFirst();
                await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(200))
                        .until(() -> !keys(s3, prefix).isEmpty());
                fleet.awaitStatus(url, s -> s.state() == JobState.UPLOADING, Duration.ofSeconds(30));

                assertThat(fleet.cli("cancel", jobId)).contains(jobId + "  cancel requested (was uploading)");
                long cancelledAt = System.nanoTime();

                JobStatus status = fleet.awaitStatus(url, s -> s.state().finished(), Duration.ofMinutes(1));
                System.out.printf("%s: cancelled upload ended %d ms after hlsfleet cancel returned%n", kind,
                        (System.nanoTime() - cancelledAt) / 1_000_000);
                assertThat(status.state()).isEqualTo(JobState.CANCELLED);
                assertThat(status.reason()).contains("hlsfleet cancel");
                assertThat(keys(s3, prefix)).as("objects of the cancelled upload left in the bucket").isEmpty();
                await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
                assertThat(events).singleElement().satisfies(e -> {
                    assertThat(e.jobId()).isEqualTo(jobId);
                    assertThat(e.routingKey()).isEqualTo("cancelled.upload");
                });
                assertThat(fleet.staging().resolve("jobs").resolve(jobId)).doesNotExist();
                assertThat(fleet.transport().deadLetters(Stage.UPLOAD, 10)).isEmpty();
                // Nothing comes back later: no master, the job stays cancelled.
                Thread.sleep(3000);
                assertThat(keys(s3, prefix)).isEmpty();
                assertThat(fleet.status(url).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
            }
        }
    }

    private static List<String> keys(S3Server s3, String prefix) {
        return s3.admin().listObjectsV2Paginator(b -> b.bucket("cdn").prefix(prefix)).contents().stream()
                .map(S3Object::key).filter(key -> !IN_PROGRESS.matcher(key).matches()).sorted().toList();
    }
}
