package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.e2e.FleetChecker.Allowed;
import io.hlsfleet.e2e.FleetChecker.Counts;
import io.hlsfleet.e2e.FleetChecker.Expectation;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed fleet on Redis: a redis-server of the test's own, the three workers as separate
 * JVMs started from their jars, URLs queued by the CLI and by {@code redis-cli XADD} on the intake
 * stream. The encode worker is SIGKILLed while ffmpeg encodes; a new one takes the job over once
 * the dead worker's lease runs out, and every ladder is published once and plays.
 */
class RedisFleetIT {

    @TempDir
    Path tmp;

    @Test
    void aFleetOnRedisPublishesEveryLadderThoughItsEncodeWorkerIsKilledMidJob() throws Exception {
        try (Fleet fleet = new Fleet(FleetBroker.Kind.REDIS, tmp, "RedisFleetIT")) {
            Path wide = SyntheticClip.generate(fleet.clips(), "wide.mp4", 1280, 720, 4);
            Path small = SyntheticClip.generate(fleet.clips(), "small.mp4", 640, 360, 2);
            Path piped = SyntheticClip.generate(fleet.clips(), "piped.mp4", 640, 360, 2);
            // The first encode worker is slow, so that the test sees ffmpeg at work before it kills it.
            Map<String, WorkerProcess> workers = fleet.startAll(Map.of("HLSFLEET_ENCODE_PRESET", "medium"));

            List<String> jobs = fleet.submit(List.of(fleet.origin().url("wide.mp4"), fleet.origin().url("small.mp4")));
            assertThat(jobs).hasSize(2).allMatch(id -> id.matches("[0-9a-f-]{36}"));
            // Any tool can queue work on the intake stream, with a bare URL as the body.
            int port = ((FleetBroker.Redis) fleet.broker()).port();
            Processes.check(List.of("redis-cli", "-p", Integer.toString(port), "XADD", "hlsfleet:download", "*",
                    "body", fleet.origin().url("piped.mp4")));

            FfmpegProcesses.awaitRunning(jobs.getFirst(), Duration.ofMinutes(3));
            workers.get(Fleet.ENCODE).kill();
            assertThat(FfmpegProcesses.awaitGone(jobs.getFirst(), Duration.ofSeconds(5)))
                    .as("ffmpeg of a SIGKILLed encode worker").isEmpty();
            fleet.start(Fleet.ENCODE);

            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(
                    Expectation.published(fleet.origin().url("wide.mp4"), wide, List.of(360, 720)),
                    Expectation.published(fleet.origin().url("small.mp4"), small, List.of(360)),
                    Expectation.published(fleet.origin().url("piped.mp4"), piped, List.of(360))),
                    List.of(), Allowed.KILLED_WORKER_SCRATCH, Duration.ofMinutes(4));
            assertThat(counts.published()).isEqualTo(3);
            assertThat(counts.duplicated()).isZero();
            assertThat(Cli.run(fleet.env(), List.of("watch", "--until-idle", "--interval", "200ms")).out())
                    .contains("no jobs in flight");
        }
    }
}
