package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.VideoId;
import io.hlsfleet.testing.S3Server;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A fleet that shares no disk: staging and bucket on an S3 server (S3Proxy in this JVM, on
 * 127.0.0.1), the three workers as separate JVMs configured only through the SDK's standard
 * {@code AWS_*} variables, each with a scratch and temporary directory of its own, RabbitMQ as the
 * broker and the CLI submitting the URLs.
 */
class S3FleetIT {

    @TempDir
    Path tmp;

    private static final String RABBITMQ_HOST = System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1");

    private Map<String, String> fleetEnv(S3Server s3, RabbitVhost vhost) {
        Map<String, String> env = new HashMap<>(s3.environment());
        env.put("HLSFLEET_BROKER", "rabbitmq");
        env.put("SPRING_RABBITMQ_HOST", RABBITMQ_HOST);
        env.put("SPRING_RABBITMQ_VIRTUAL_HOST", vhost.name());
        env.put("HLSFLEET_STAGING", "s3://staging/fleet");
        env.put("HLSFLEET_BUCKET", "s3://cdn/hls");
        env.put("HLSFLEET_S3_ACL", "public-read");
        // The test origin listens on loopback, which the download guard refuses unless allowed.
        env.put("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.0/8");
        env.put("HLSFLEET_ENCODE_PRESET", "ultrafast");
        env.put("HLSFLEET_RETRY_DELAYS", "1s");
        return env;
    }

    /** The environment of one worker: the fleet's, plus local directories no other worker sees. */
    private Map<String, String> workerEnv(Map<String, String> fleet, String module) throws Exception {
        Path own = Files.createDirectories(tmp.resolve("machines").resolve(module));
        Path javaTmp = Files.createDirectories(own.resolve("tmp"));
        Map<String, String> env = new HashMap<>(fleet);
        env.put("HLSFLEET_SCRATCH", own.resolve("scratch").toString());
        env.put("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + javaTmp);
        env.put("TMPDIR", javaTmp.toString());
        return env;
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

    @Test
    void aFleetThatSharesNoDiskPublishesThroughS3() throws Exception {
        try (S3Server s3 = S3Server.start(); RabbitVhost vhost = new RabbitVhost()) {
            s3.createBucket("staging");
            s3.createBucket("cdn");
            Map<String, String> env = fleetEnv(s3, vhost);
            Path clips = tmp.resolve("origin");
            List<Path> sources = List.of(
                    TestClips.generate(clips, "alpha.mp4", 1920, 1080, 3),
                    TestClips.generate(clips, "beta.mp4", 1280, 720, 2));
            Path logs = WorkerProcess.logDirectory("S3FleetIT");

            try (ClipOrigin origin = new ClipOrigin(clips);
                 WorkerProcess download = WorkerProcess.start("download-worker", workerEnv(env, "download-worker"), logs);
                 WorkerProcess encode = WorkerProcess.start("encode-worker", workerEnv(env, "encode-worker"), logs);
                 WorkerProcess upload = WorkerProcess.start("upload-worker", workerEnv(env, "upload-worker"), logs)) {
                for (WorkerProcess worker : List.of(download, encode, upload)) {
                    worker.awaitHealthy(Duration.ofMinutes(3));
                }
                List<String> urls = new ArrayList<>();
                for (Path source : sources) {
                    urls.add(origin.url(source.getFileName().toString()));
                }

                List<String> submit = new ArrayList<>(List.of(Project.java(), "-jar", Project.jar("producer").toString(), "submit"));
                submit.addAll(urls);
                ProcessBuilder builder = new ProcessBuilder(submit).redirectError(tmp.resolve("submit.err").toFile());
                builder.environment().putAll(env);
                Process cli = builder.start();
                String jobIds = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(cli.exitValue()).as(Files.readString(tmp.resolve("submit.err"))).isZero();
                assertThat(jobIds.lines().toList()).hasSize(2);

                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    for (String url : urls) {
                        assertThat(keys(s3, "cdn", "hls/" + VideoId.fromSource(url) + "/master.m3u8"))
                                .as("master of %s; upload worker log:%n%s", url, upload.log()).hasSize(1);
                    }
                });

                String alpha = VideoId.fromSource(urls.get(0));
                String beta = VideoId.fromSource(urls.get(1));
                LadderVerifier.verify(download(s3, alpha), alpha, sources.get(0), List.of(360, 720, 1080));
                LadderVerifier.verify(download(s3, beta), beta, sources.get(1), List.of(360, 720));

                // Players read the bucket over plain HTTP.
                HttpResponse<String> master = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        s3.objectUrl("cdn", "hls/" + alpha + "/master.m3u8")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(master.statusCode()).isEqualTo(200);
                assertThat(master.headers().firstValue("Content-Type")).hasValue("application/vnd.apple.mpegurl");

                // Staging holds nothing once the ladders are published, and no worker keeps scratch files.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(keys(s3, "staging", "")).as("staged objects").isEmpty());
                for (String module : List.of("download-worker", "encode-worker", "upload-worker")) {
                    Path scratch = tmp.resolve("machines").resolve(module).resolve("scratch");
                    assertThat(scratch).as("scratch of %s", module).isDirectory();
                    try (Stream<Path> files = Files.walk(scratch)) {
                        assertThat(files.filter(Files::isRegularFile).toList()).as("files in scratch of %s", module).isEmpty();
                    }
                }
                assertThat(upload.metrics()).contains("hlsfleet_stage_jobs_total{application=\"upload-worker\",failure=\"none\",outcome=\"succeeded\",stage=\"upload\"} 2.0");
            }
        }
    }
}
