package io.hlsfleet.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.storage.LocalStagingArea;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

class StoreHealthIndicatorsTest {

    @TempDir
    Path dir;

    @Test
    void probesOfManyWorkersOnOneStagingAreaNeitherCollideNorLeaveFiles() throws Exception {
        Path staging = dir.resolve("staging");
        // Each indicator stands for a worker; as pods sharing PID 1 would, they all share a process id.
        List<HealthIndicator> workers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            workers.add(StoreHealthIndicators.staging(new LocalStagingArea(staging)));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int round = 0; round < 20; round++) {
                List<Future<Health>> checks = pool.invokeAll(workers.stream()
                        .map(worker -> (Callable<Health>) worker::health).toList());
                for (Future<Health> check : checks) {
                    Health health = check.get();
                    assertThat(health.getStatus()).as("probe: %s", health.getDetails()).isEqualTo(Status.UP);
                }
            }
        }
        try (Stream<Path> left = Files.walk(staging)) {
            assertThat(left.filter(Files::isRegularFile).toList()).as("probe files left behind").isEmpty();
        }
    }

    @Test
    void theProbeNamesItsHostAndProcess() {
        assertThat(StoreHealthIndicators.probeOwner())
                .endsWith("-" + ProcessHandle.current().pid())
                .matches("[A-Za-z0-9._-]+");
    }
}
