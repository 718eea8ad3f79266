package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.VideoId;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.S3Server;
import io.hlsfleet.testing.SyntheticClip;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Fleets that share no disk: staging and bucket on an S3 server, the three workers as separate
 * JVMs configured only through the SDK's standard {@code AWS_*} variables and the documented
 * {@code HLSFLEET_S3_*} settings, each with a scratch and temporary directory of its own, RabbitMQ
 * as the broker and the CLI submitting the URLs. Two servers: the current S3Proxy with the
 * defaults, and S3Proxy {@value S3Server#LEGACY_VERSION}, which refuses the SDK's flexible-checksum
 * headers as many stores do, with the setting the README gives for such stores.
 */
class S3FleetIT {

    @TempDir
    Path tmp;

    /** The settings every worker of an S3 fleet gets, on top of the fleet's and the server's. */
    private static Map<String, String> s3Env(S3Server s3, Map<String, String> documented) {
        Map<String, String> env = new HashMap<>(s3.environment());
        env.put("HLSFLEET_STAGING", "s3://staging/fleet");
        env.put("HLSFLEET_BUCKET", "s3://cdn/hls");
        env.put("HLSFLEET_S3_ACL", "public-read");
        env.putAll(documented);
        return env;
    }

    /** Starts one worker of each stage, each with local directories no other worker sees. */
    private Map<String, WorkerProcess> startWorkers(Fleet fleet) throws Exception {
        Map<String, Map<String, String>> machines = new HashMap<>();
        for (String module : Fleet.WORKERS) {
            Path own = Files.createDirectories(tmp.resolve("machines").resolve(module));
            Path javaTmp = Files.createDirectories(own.resolve("tmp"));
            machines.put(module, Map.of(
                    "HLSFLEET_SCRATCH", own.resolve("scratch").toString(),
                    "JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + javaTmp,
                    "TMPDIR", javaTmp.toString()));
        }
        return fleet.startAll(machines::get);
    }

    private static List<String> keys(S3Server s3, String bucket, String prefix) {
        return s3.admin().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    /** Downloads one published ladder, so the shared verifier can check it as files. */
    private Path download(S3Server s3, String videoId) throws Exception {
        Path dir = tmp.resolve("downloaded");
        for (String key : keys(s3, "cdn", "hls/" + videoId + "/")) {
            Path file = dir.resolve(key.substring("hls/".length()));
            Files.createDirectories(file.getParent());
            s3.admin().getObject(b -> b.bucket("cdn").key(key), ResponseTransformer.toFile(file));
        }
        return dir;
    }

    /** Publishes two videos through {@code s3} and checks every ladder, the bucket's headers and that nothing is left over. */
    private void publishesEveryVideo(Fleet fleet, S3Server s3) throws Exception {
        List<Path> sources = List.of(
                SyntheticClip.generate(fleet.clips(), "alpha.mp4", 1920, 1080, 3),
                SyntheticClip.generate(fleet.clips(), "beta.mp4", 1280, 720, 2));
        Map<String, WorkerProcess> workers = startWorkers(fleet);
        List<String> urls = new ArrayList<>();
        for (Path source : sources) {
            urls.add(fleet.origin().url(source.getFileName().toString()));
        }
        assertThat(fleet.submit(urls)).hasSize(2);

        WorkerProcess upload = workers.get(Fleet.UPLOAD);
        await("the master playlists of " + urls).atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    for (String url : urls) {
                        assertThat(keys(s3, "cdn", "hls/" + VideoId.fromSource(url) + "/master.m3u8"))
                                .as("master of %s; upload worker log:%n%s", url, upload.log()).hasSize(1);
                    }
                });
        String alpha = VideoId.fromSource(urls.get(0));
        String beta = VideoId.fromSource(urls.get(1));
        LadderAssertions.assertLadder(download(s3, alpha), alpha, sources.get(0), List.of(360, 720, 1080));
        LadderAssertions.assertLadder(download(s3, beta), beta, sources.get(1), List.of(360, 720));

        // Players read the bucket over plain HTTP.
        HttpResponse<String> master = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                s3.objectUrl("cdn", "hls/" + alpha + "/master.m3u8")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(master.statusCode()).isEqualTo(200);
        assertThat(master.headers().firstValue("Content-Type")).hasValue("application/vnd.apple.mpegurl");

        // Staging holds nothing once the ladders are published, and no worker keeps scratch files.
        await("an empty staging bucket").atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(keys(s3, "staging", "")).as("staged objects").isEmpty());
        for (String module : Fleet.WORKERS) {
            Path scratch = tmp.resolve("machines").resolve(module).resolve("scratch");
            assertThat(scratch).as("scratch of %s", module).isDirectory();
            try (Stream<Path> files = Files.walk(scratch)) {
                assertThat(files.filter(Files::isRegularFile).toList()).as("files in scratch of %s", module).isEmpty();
            }
        }
        assertThat(upload.metrics()).contains("hlsfleet_stage_jobs_total{application=\"upload-worker\",failure=\"none\",outcome=\"succeeded\",stage=\"upload\"} 2.0");
    }

    private Fleet fleet(S3Server s3, String name, Map<String, String> documented) throws Exception {
        s3.createBucket("staging");
        s3.createBucket("cdn");
        Fleet fleet = new Fleet(FleetBroker.Kind.RABBITMQ, tmp, name);
        s3Env(s3, documented).forEach(fleet::set);
        return fleet;
    }

    @Test
    void theCurrentS3ProxyWithTheDefaultsPublishesEveryVideoAndARefusalEndsItsJobAtOnce() throws Exception {
        try (S3Server s3 = S3Server.start(); Fleet fleet = fleet(s3, "S3FleetIT-current", Map.of())) {
            publishesEveryVideo(fleet, s3);

            // The bucket goes away under a running fleet: the store refuses the upload, and the job
            // ends at once with the store's words and the setting to change, not after four attempts.
            for (String key : keys(s3, "cdn", "")) {
                s3.admin().deleteObject(b -> b.bucket("cdn").key(key));
            }
            s3.admin().deleteBucket(b -> b.bucket("cdn"));
            Path gamma = SyntheticClip.generate(fleet.clips(), "gamma.mp4", 640, 360, 2);
            String url = fleet.origin().url(gamma.getFileName().toString());
            fleet.submit(List.of(url));
            JobStatus dead = fleet.awaitStatus(url, status -> status.state() == JobState.DEAD, Duration.ofMinutes(3));
            // Staging and bucket share one server here, so the ladder is copied server-side.
            assertThat(dead.reason()).containsPattern("the S3 store refused to (upload|copy) \\S* ?(to )?s3://cdn/hls/")
                    .contains("NoSuchBucket", "HLSFLEET_BUCKET");
            assertThat(dead.attempt()).as("attempts of the refused job").isEqualTo(1);
        }
    }

    @Test
    void s3proxy27WithTheDocumentedSettingsPublishesEveryVideo() throws Exception {
        try (S3Server s3 = S3Server.startLegacy();
             Fleet fleet = fleet(s3, "S3FleetIT-legacy", Map.of("HLSFLEET_S3_INTEGRITY", "md5"))) {
            publishesEveryVideo(fleet, s3);
        }
    }

    @Test
    void aWorkerOnAStoreWithoutFlexibleChecksumsAndTheDefaultsIsNotReadyAndSaysWhy() throws Exception {
        try (S3Server s3 = S3Server.startLegacy(); Fleet fleet = fleet(s3, "S3FleetIT-refused", Map.of())) {
            WorkerProcess upload = fleet.launch(Fleet.UPLOAD, Map.of());
            upload.awaitNotReadySaying(Duration.ofMinutes(3), "\"startupChecks\"", "NotImplemented",
                    "HLSFLEET_S3_INTEGRITY=md5");
            assertThat(upload.log()).contains("start-up check stores failed; this worker takes no jobs");
            assertThat(upload.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        }
    }
}
