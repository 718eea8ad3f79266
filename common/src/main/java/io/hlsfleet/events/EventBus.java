package io.hlsfleet.events;

import io.hlsfleet.webhook.UndeliveredWebhooks;
import java.util.function.Consumer;

/**
 * Where job events go, on the broker the fleet runs on, so that any consumer can subscribe:
 * RabbitMQ's topic exchange {@value #EXCHANGE} (routing key {@code <type>.<stage>}), or the Redis
 * stream {@code <prefix>:events}, capped at its newest entries. {@link #publish} returns once the
 * broker has the event (a publisher confirm on RabbitMQ), so an event a worker emitted after
 * settling a job is not lost to a crash that follows.
 */
public interface EventBus {

    /** The RabbitMQ exchange the events are published to. */
    String EXCHANGE = "hlsfleet.events";

    /** Publishes {@code event}, waiting for the broker; throws if the broker did not take it. */
    void publish(JobEvent event);

    /** Publishes {@code events} in one go (one wait for the broker); throws if any was not taken. */
    default void publishAll(java.util.List<JobEvent> events) {
        events.forEach(this::publish);
    }

    /**
     * Delivers every event published from now on whose routing key matches {@code pattern} (AMQP
     * topic syntax: {@code #} for all, {@code published.*}, {@code *.encode}) to {@code consumer},
     * on a thread of the bus, until the returned feed is closed.
     */
    Feed follow(String pattern, Consumer<JobEvent> consumer);

    /**
     * Hands each event whose routing key matches one of {@code patterns} to one member of the
     * group {@code group} (every process sharing under that name), and keeps what arrives while
     * no member runs: the durable queue {@code hlsfleet.events.<group>} on RabbitMQ, a consumer
     * group of the stream on Redis (which starts with the events published after it was made). An
     * event is done with once {@code handler} returns; if it throws, or its process dies first, the
     * event is handed out again. Up to {@code concurrency} events are handled at once, each on a
     * thread of its own.
     */
    default Feed share(String group, java.util.List<String> patterns, int concurrency, Consumer<JobEvent> handler) {
        throw new UnsupportedOperationException("this fleet publishes no events (the in-memory broker)");
    }

    /**
     * Where the webhook sender keeps the deliveries it gave up, on this bus's broker; a bus without
     * a broker keeps none.
     */
    default UndeliveredWebhooks undeliveredWebhooks() {
        return UndeliveredWebhooks.NONE;
    }

    /** True if {@code routingKey} matches one of {@code patterns}. */
    static boolean matchesAny(java.util.List<String> patterns, String routingKey) {
        return patterns.stream().anyMatch(pattern -> matches(pattern, routingKey));
    }

    /** A running subscription. */
    interface Feed extends AutoCloseable {
        @Override
        void close();
    }

    /** A bus that drops every event: the fleet of a process nobody could subscribe to. */
    EventBus NONE = new EventBus() {
        @Override
        public void publish(JobEvent event) {
        }

        @Override
        public Feed follow(String pattern, Consumer<JobEvent> consumer) {
            throw new UnsupportedOperationException("this fleet publishes no events (the in-memory broker)");
        }
    };

    /** True if {@code routingKey} matches the AMQP topic {@code pattern} ({@code *} one word, {@code #} any). */
    static boolean matches(String pattern, String routingKey) {
        return match(pattern.split("\\."), 0, routingKey.split("\\."), 0);
    }

    private static boolean match(String[] pattern, int p, String[] key, int k) {
        if (p == pattern.length) {
            return k == key.length;
        }
        if (pattern[p].equals("#")) {
            for (int skip = k; skip <= key.length; skip++) {
                if (match(pattern, p + 1, key, skip)) {
                    return true;
                }
            }
            return false;
        }
        return k < key.length && (pattern[p].equals("*") || pattern[p].equals(key[k])) && match(pattern, p + 1, key, k + 1);
    }
}
