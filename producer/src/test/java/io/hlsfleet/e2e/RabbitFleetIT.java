package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.transport.rabbit.RabbitTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed fleet on a real RabbitMQ: three workers as separate JVMs started from their
 * jars, an HTTP origin serving generated clips, and the CLI submitting the URLs.
 */
class RabbitFleetIT {

    @TempDir
    Path tmp;

    private Map<String, String> fleetEnv(RabbitVhost vhost) {
        Map<String, String> env = vhost.fleetEnvironment(tmp);
        // Job status goes to Redis, where hlsfleet status and watch read it.
        env.put("HLSFLEET_REDIS_URL", Brokers.redisUrl());
        return env;
    }

    @Test
    void clipsSubmittedToAFleetOfThreeWorkerProcessesArePublished() throws Exception {
        try (RabbitVhost vhost = new RabbitVhost()) {
            runFleet(fleetEnv(vhost));
        }
    }

    private void runFleet(Map<String, String> env) throws Exception {
        Path clips = tmp.resolve("origin");
        List<Path> sources = List.of(
                TestClips.generate(clips, "alpha.mp4", 1920, 1080, 4),
                TestClips.generate(clips, "beta.mp4", 1280, 720, 3),
                TestClips.generate(clips, "gamma.mp4", 1920, 1080, 2));
        Path logs = WorkerProcess.logDirectory("RabbitFleetIT");

        try (ClipOrigin origin = new ClipOrigin(clips);
             WorkerProcess download = WorkerProcess.start("download-worker", env, logs);
             WorkerProcess encode = WorkerProcess.start("encode-worker", env, logs);
             WorkerProcess upload = WorkerProcess.start("upload-worker", env, logs)) {
            for (WorkerProcess worker : List.of(download, encode, upload)) {
                worker.awaitHealthy(Duration.ofMinutes(3));
            }
            List<String> urls = new ArrayList<>();
            for (Path source : sources) {
                urls.add(origin.url(source.getFileName().toString()));
            }
            urls.add(origin.url("does-not-exist.mp4"));

            List<String> submitArgs = new ArrayList<>(List.of("submit"));
            submitArgs.addAll(urls);
            Cli.Result submitted = Cli.run(env, submitArgs);
            assertThat(submitted.exitCode()).as(submitted.err()).isZero();
            String jobIds = submitted.out();
            assertThat(jobIds.lines().toList()).hasSize(4).allMatch(id -> id.matches("[0-9a-f-]{36}"));

            Path bucket = tmp.resolve("bucket");
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                for (String url : urls.subList(0, 3)) {
                    assertThat(bucket.resolve(VideoId.fromSource(url)).resolve("master.m3u8")).exists();
                }
            });
            LadderVerifier.verify(bucket, VideoId.fromSource(urls.get(0)), sources.get(0), List.of(360, 720, 1080));
            LadderVerifier.verify(bucket, VideoId.fromSource(urls.get(1)), sources.get(1), List.of(360, 720));
            LadderVerifier.verify(bucket, VideoId.fromSource(urls.get(2)), sources.get(2), List.of(360, 720, 1080));

            // The 404 ends as a dead letter with its reason, not as a ladder.
            FleetConfig config = FleetConfig.from(Settings.of(env));
            try (RabbitTransport transport = RabbitTransport.connect(config)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> !transport.deadLetters(Stage.DOWNLOAD, 10).isEmpty());
                assertThat(transport.deadLetters(Stage.DOWNLOAD, 10).getFirst().reason()).contains("404");
            }
            List<String> ids = jobIds.lines().toList();
            for (int i = 0; i < 3; i++) {
                assertThat(Cli.run(env, List.of("status", ids.get(i), "--json")).out()).contains("\"state\":\"PUBLISHED\"");
            }
            Cli.Result dead = Cli.run(env, List.of("status", ids.get(3)));
            assertThat(dead.out()).contains("dead").contains("404");
            assertThat(Cli.run(env, List.of("watch", "--until-idle", "--interval", "200ms")).out())
                    .contains("no jobs in flight");

            Cli.Result listed = Cli.run(env, List.of("dlq", "list", "--stage", "download"));
            assertThat(listed.out()).contains("does-not-exist.mp4").contains("404").contains("1 dead letter");
            assertThat(Cli.run(env, List.of("dlq", "purge")).out()).contains("purged 1 dead letter");
            assertThat(Cli.run(env, List.of("dlq", "list")).out()).contains("0 dead letters");
            assertThat(bucket.resolve(VideoId.fromSource(urls.get(3)))).doesNotExist();

            // The staging area holds nothing once every ladder is published.
            try (var staged = Files.walk(tmp.resolve("staging"))) {
                assertThat(staged.filter(Files::isRegularFile).toList()).isEmpty();
            }
            assertThat(upload.metrics()).contains("hlsfleet_stage_jobs_total{application=\"upload-worker\",failure=\"none\",outcome=\"succeeded\",stage=\"upload\"} 3.0");
            assertThat(download.terminate(Duration.ofSeconds(30))).as("SIGTERM stops the worker").isTrue();
        }
    }
}
