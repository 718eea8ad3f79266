package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.Stage;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.SyntheticClip;
import io.hlsfleet.transport.Transport;
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

    @Test
    void clipsSubmittedToAFleetOfThreeWorkerProcessesArePublished() throws Exception {
        // A virtual host of its own for the jobs, a Redis of its own for their status.
        try (Fleet fleet = new Fleet(FleetBroker.Kind.RABBITMQ, tmp, "RabbitFleetIT")) {
            Map<String, String> env = fleet.env();
            List<Path> sources = List.of(
                    SyntheticClip.generate(fleet.clips(), "alpha.mp4", 1920, 1080, 4),
                    SyntheticClip.generate(fleet.clips(), "beta.mp4", 1280, 720, 3),
                    SyntheticClip.generate(fleet.clips(), "gamma.mp4", 1920, 1080, 2));
            Map<String, WorkerProcess> workers = fleet.startAll();
            List<String> urls = new ArrayList<>();
            for (Path source : sources) {
                urls.add(fleet.origin().url(source.getFileName().toString()));
            }
            urls.add(fleet.origin().url("does-not-exist.mp4"));

            List<String> submitArgs = new ArrayList<>(List.of("submit"));
            submitArgs.addAll(urls);
            Processes.Result submitted = Cli.run(env, submitArgs);
            assertThat(submitted.exitCode()).as(submitted.err()).isZero();
            String jobIds = submitted.out();
            assertThat(jobIds.lines().toList()).hasSize(4).allMatch(id -> id.matches("[0-9a-f-]{36}"));

            Path bucket = fleet.bucket();
            await("the master playlists of " + urls.subList(0, 3)).atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        for (String url : urls.subList(0, 3)) {
                            assertThat(bucket.resolve(VideoId.fromSource(url)).resolve("master.m3u8")).exists();
                        }
                    });
            LadderAssertions.assertLadder(bucket, VideoId.fromSource(urls.get(0)), sources.get(0), List.of(360, 720, 1080));
            LadderAssertions.assertLadder(bucket, VideoId.fromSource(urls.get(1)), sources.get(1), List.of(360, 720));
            LadderAssertions.assertLadder(bucket, VideoId.fromSource(urls.get(2)), sources.get(2), List.of(360, 720, 1080));

            // The 404 ends as a dead letter with its reason, not as a ladder.
            Transport transport = fleet.transport();
            await("a dead letter on the download stage for " + urls.get(3)).atMost(Duration.ofSeconds(30))
                    .until(() -> !transport.deadLetters(Stage.DOWNLOAD, 10).isEmpty());
            assertThat(transport.deadLetters(Stage.DOWNLOAD, 10).getFirst().reason()).contains("404");
            List<String> ids = jobIds.lines().toList();
            for (int i = 0; i < 3; i++) {
                assertThat(Cli.run(env, List.of("status", ids.get(i), "--json")).out()).contains("\"state\":\"PUBLISHED\"");
            }
            Processes.Result dead = Cli.run(env, List.of("status", ids.get(3)));
            assertThat(dead.out()).contains("dead").contains("404");
            // Bounded by Cli's limit: a job left in flight fails the test with watch's last screen.
            assertThat(Cli.run(env, List.of("watch", "--until-idle", "--interval", "200ms")).out())
                    .contains("no jobs in flight");

            Processes.Result listed = Cli.run(env, List.of("dlq", "list", "--stage", "download"));
            assertThat(listed.out()).contains("does-not-exist.mp4").contains("404").contains("1 dead letter");
            assertThat(Cli.run(env, List.of("dlq", "purge")).out()).contains("purged 1 dead letter");
            assertThat(Cli.run(env, List.of("dlq", "list")).out()).contains("0 dead letters");
            assertThat(bucket.resolve(VideoId.fromSource(urls.get(3)))).doesNotExist();

            // The staging area holds nothing once every ladder is published.
            try (var staged = Files.walk(fleet.staging())) {
                assertThat(staged.filter(Files::isRegularFile).toList()).isEmpty();
            }
            assertThat(workers.get(Fleet.UPLOAD).metrics()).contains("hlsfleet_stage_jobs_total{application=\"upload-worker\",failure=\"none\",outcome=\"succeeded\",stage=\"upload\"} 3.0");
            assertThat(workers.get(Fleet.DOWNLOAD).terminate(Duration.ofSeconds(30))).as("SIGTERM stops the worker").isTrue();
        }
    }
}
