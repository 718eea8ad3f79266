package io.hlsfleet.transport;

import io.hlsfleet.job.Stage;
import java.time.Instant;
import java.util.Map;

/**
 * What the broker knows about the fleet's queues, for metrics and autoscaling dashboards.
 * Read-only, and cheap enough to be called every few seconds by every worker.
 */
public interface QueueStats {

    /** A count the broker cannot tell. */
    long UNKNOWN = -1;

    /**
     * One stage's queues at one moment.
     *
     * @param ready messages waiting in the stage's queue, not yet delivered
     * @param unacked messages delivered to a worker and not yet settled, or {@link #UNKNOWN}
     * @param deadLetters messages in the stage's dead-letter queue, or {@link #UNKNOWN}
     * @param oldestQueuedAt when the message at the head of the queue was queued; null when the
     *     broker cannot tell without consuming it
     */
    record Snapshot(long ready, long unacked, long deadLetters, Instant oldestQueuedAt) {
    }

    /** The current state of every stage's queues; throws when the broker cannot be asked. */
    Map<Stage, Snapshot> snapshot();
}
