package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.testing.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker reads its broker's version and features before it consumes: pointed at a Redis that
 * refuses a command the transport relies on (here XAUTOCLAIM, disabled with {@code rename-command}
 * as some hardened or managed Redis services do), it stays alive but not ready, and says why.
 */
class BrokerFeaturesIT {

    @TempDir
    Path tmp;

    @Test
    void aWorkerOnARedisWithoutXautoclaimIsNotReadyAndSaysWhy() throws Exception {
        FleetBroker refusing = new FleetBroker.Redis(
                new RedisServer(tmp.resolve("redis"), List.of("--rename-command", "XAUTOCLAIM", "")));
        try (Fleet fleet = Fleet.on(refusing, tmp, "BrokerFeaturesIT")) {
            WorkerProcess download = fleet.launch(Fleet.DOWNLOAD, Map.of());
            download.awaitNotReadySaying(Duration.ofMinutes(3), "\"startupChecks\"", "does not accept XAUTOCLAIM",
                    "rename-command");
            assertThat(download.log()).contains("start-up check broker failed; this worker takes no jobs");
            assertThat(download.log()).doesNotContain("worker consuming");
            assertThat(download.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        }
    }
}
