package io.hlsfleet.webhook;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Where the webhook sender keeps the deliveries it gave up, on the broker the fleet runs on, so
 * they survive restarts until an operator replays or purges them: the classic queue
 * {@value io.hlsfleet.transport.rabbit.RabbitTopology#UNDELIVERED_WEBHOOKS_QUEUE} on RabbitMQ, the
 * list {@code <prefix>:webhooks:dead} on Redis.
 */
public interface UndeliveredWebhooks {

    /** Keeps {@code webhook} at the end, waiting for the broker; throws if the broker did not take it. */
    void keep(UndeliveredWebhook webhook);

    /** The kept webhooks, oldest first. Listing changes nothing, however often it is done. */
    List<UndeliveredWebhook> list(int limit);

    /**
     * Offers each webhook kept when the call starts, oldest first, to {@code visit}, which returns
     * the webhook it was given to leave it where it is, null to remove it, or another one to keep in
     * its place, at the end. A replacement is kept before the old one is removed, so a crash
     * between the two leaves both, never neither.
     *
     * @return how many were removed or replaced
     */
    int update(UnaryOperator<UndeliveredWebhook> visit);

    /** Removes every kept webhook; returns how many there were. */
    default int purge() {
        return update(webhook -> null);
    }

    /** Keeps nothing: a fleet without a broker ({@code hlsfleet run}) only logs and counts what it gives up. */
    UndeliveredWebhooks NONE = new UndeliveredWebhooks() {
        @Override
        public void keep(UndeliveredWebhook webhook) {
        }

        @Override
        public List<UndeliveredWebhook> list(int limit) {
            return List.of();
        }

        @Override
        public int update(UnaryOperator<UndeliveredWebhook> visit) {
            return 0;
        }
    };
}
