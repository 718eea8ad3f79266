package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.events.EventBus;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A bulk import never starves a fresh upload, on each transport: with 20 {@code low} jobs queued
 * for one encode slot, a {@code high} job submitted after them is the next one the slot starts
 * once it reaches the encode queue, not the twenty-first.
 */
class PriorityIT {

    private static final int BACKLOG = 20;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(FleetBroker.Kind.class)
    void aHighJobOvertakesALowBacklogAtTheNextFreeEncodeSlot(FleetBroker.Kind kind) throws Exception {
        try (Fleet fleet = new Fleet(kind, tmp, "PriorityIT")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "clip.mp4", 320, 180, 2);
            List<String> backlog = new ArrayList<>();
            for (int i = 1; i <= BACKLOG; i++) {
                Files.copy(clip, fleet.clips().resolve("import-" + i + ".mp4"));
                backlog.add(fleet.origin().url("import-" + i + ".mp4"));
            }
            Files.copy(clip, fleet.clips().resolve("fresh-upload.mp4"));
            String fresh = fleet.origin().url("fresh-upload.mp4");
            fleet.startAll(module -> module.equals(Fleet.ENCODE) ? Map.of("HLSFLEET_CONCURRENCY", "1") : Map.of());

            List<String> encodeStarts = new CopyOnWriteArrayList<>();
            // For each job, how many encodes had started when its download started: its encode
            // message cannot be queued before then.
            Map<String, Integer> encodesBeforeDownload = new ConcurrentHashMap<>();
            try (EventBus.Feed feed = fleet.transport().events().follow("started.*", event -> {
                synchronized (encodeStarts) {
                    if (event.stage().equals("encode")) {
                        encodeStarts.add(event.jobId());
                    } else if (event.stage().equals("download")) {
                        encodesBeforeDownload.putIfAbsent(event.jobId(), encodeStarts.size());
                    }
                }
            })) {
                List<String> args = new ArrayList<>(List.of("submit", "--priority", "low"));
                args.addAll(backlog);
                List<String> lowIds = fleet.cli(args.toArray(String[]::new)).lines().toList();
                assertThat(lowIds).hasSize(BACKLOG);
                await().atMost(Duration.ofMinutes(2)).until(() -> !encodeStarts.isEmpty());

                String freshId = fleet.cli("submit", "--priority", "high", fresh).strip();
                await().atMost(Duration.ofMinutes(4)).until(() -> encodeStarts.contains(freshId));

                int position = encodeStarts.indexOf(freshId);
                Integer before = encodesBeforeDownload.get(freshId);
                System.out.printf("%s: encodes started before the high job's download: %s; encodes started before"
                        + " its own: %d (of %d low jobs queued before it)%n", kind, before, position, BACKLOG);
                assertThat(before).as("the high job's download start was seen").isNotNull();
                // The next encode to start after its message is queued, or the one after that when
                // the slot had just chosen a low message as it arrived.
                assertThat(position).as("encode starts before the high job's (%s)", encodeStarts)
                        .isLessThanOrEqualTo(before + 1);
                assertThat(encodeStarts.subList(0, position)).allMatch(lowIds::contains);
            }
            fleet.awaitStatus(fresh, s -> s.state().finished(), Duration.ofMinutes(2));
            assertThat(fleet.status(fresh).orElseThrow().state().name()).isEqualTo("PUBLISHED");
        }
    }
}
