package io.hlsfleet.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.QueueStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Queue gauges from a scripted broker and a hand-moved clock. */
class QueueMetricsTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final AtomicReference<Map<Stage, QueueStats.Snapshot>> broker = new AtomicReference<>();
    private final AtomicReference<Instant> lastTaken = new AtomicReference<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final QueueMetrics metrics = new QueueMetrics(() -> {
        if (broker.get() == null) {
            throw new IllegalStateException("broker down");
        }
        return broker.get();
    }, Duration.ofHours(1), Stage.ENCODE, () -> Optional.ofNullable(lastTaken.get()), new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    });

    @AfterEach
    void close() {
        metrics.close();
    }

    private void brokerSays(long downloadReady, long encodeReady, Instant encodeHead) {
        Map<Stage, QueueStats.Snapshot> snapshot = new EnumMap<>(Stage.class);
        snapshot.put(Stage.DOWNLOAD, new QueueStats.Snapshot(downloadReady, 1, 2, null));
        snapshot.put(Stage.ENCODE, new QueueStats.Snapshot(encodeReady, QueueStats.UNKNOWN, 0, encodeHead));
        snapshot.put(Stage.UPLOAD, new QueueStats.Snapshot(0, 0, 0, null));
        broker.set(snapshot);
    }

    private double gauge(String name, Stage stage) {
        return registry.get(name).tag("stage", stage.id()).gauge().value();
    }

    @Test
    void countsComeFromTheLastPollAndUnknownsAreNaN() {
        brokerSays(3, 0, null);
        metrics.register(registry);
        metrics.poll();
        assertThat(gauge("hlsfleet.queue.depth", Stage.DOWNLOAD)).isEqualTo(3);
        assertThat(gauge("hlsfleet.queue.unacked", Stage.DOWNLOAD)).isEqualTo(1);
        assertThat(gauge("hlsfleet.dead.letters", Stage.DOWNLOAD)).isEqualTo(2);
        assertThat(gauge("hlsfleet.queue.unacked", Stage.ENCODE)).isNaN();
        assertThat(gauge("hlsfleet.queue.oldest.age", Stage.UPLOAD)).as("empty queue").isZero();

        broker.set(null);
        metrics.poll();
        assertThat(gauge("hlsfleet.queue.depth", Stage.DOWNLOAD)).as("broker unreachable").isNaN();
    }

    @Test
    void oldestAgeIsBoundedByTheLastTimeTheQueueWasSeenEmpty() {
        metrics.register(registry);
        brokerSays(0, 0, null);
        metrics.poll();
        now.set(T0.plusSeconds(60));
        brokerSays(4, 0, null);
        metrics.poll();
        now.set(T0.plusSeconds(100));
        assertThat(gauge("hlsfleet.queue.oldest.age", Stage.DOWNLOAD)).isEqualTo(100);
    }

    @Test
    void oldestAgeOfTheOwnStageUsesTheNewestMessageTakenAndExactHeadsWin() {
        metrics.register(registry);
        brokerSays(5, 2, null);
        metrics.poll();
        assertThat(gauge("hlsfleet.queue.oldest.age", Stage.DOWNLOAD)).as("never seen empty: unknown").isNaN();
        assertThat(gauge("hlsfleet.queue.oldest.age", Stage.ENCODE)).as("nothing taken yet").isNaN();

        lastTaken.set(T0.minusSeconds(30));
        now.set(T0.plusSeconds(15));
        assertThat(gauge("hlsfleet.queue.oldest.age", Stage.ENCODE)).isEqualTo(45);

        brokerSays(5, 2, T0.plusSeconds(5));
        metrics.poll();
        assertThat(gauge("hlsfleet.queue.oldest.age", Stage.ENCODE)).as("the broker's own head time").isEqualTo(10);
    }
}
