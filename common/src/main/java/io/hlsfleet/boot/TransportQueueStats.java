package io.hlsfleet.boot;

import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.QueueStats;
import io.hlsfleet.transport.Transport;
import java.util.EnumMap;
import java.util.Map;

/**
 * Queue statistics from the {@link Transport} interface alone, for brokers without a richer
 * source: the ready count, and the dead letters counted up to a cap. Unacked counts are unknown.
 */
final class TransportQueueStats implements QueueStats {

    /** Dead letters beyond this many are reported as this many; the alert only needs growth. */
    static final int DEAD_LETTER_CAP = 1000;

    private final Transport transport;

    TransportQueueStats(Transport transport) {
        this.transport = transport;
    }

    @Override
    public Map<Stage, Snapshot> snapshot() {
        Map<Stage, Long> depths = transport.queueDepths();
        Map<Stage, Snapshot> result = new EnumMap<>(Stage.class);
        for (Stage stage : Stage.values()) {
            result.put(stage, new Snapshot(depths.getOrDefault(stage, 0L), UNKNOWN,
                    transport.deadLetters(stage, DEAD_LETTER_CAP).size(), null));
        }
        return result;
    }
}
