package io.hlsfleet.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Backoff tiers for retryable failures. Attempt n waits {@code delays[n-1]} (the last tier repeats
 * if there are fewer tiers than attempts), spread by up to 10 % jitter so that jobs failed
 * together do not come back together. After {@code maxAttempts} the job is dead-lettered.
 *
 * @param delays the tiers, for example 10 s, 1 min, 5 min
 * @param maxAttempts attempts in all, the first one included
 * @param maxDeliveries deliveries of one message before it is treated as poison: a message that
 *        keeps a worker from ever settling it (because the worker crashes on it) is dead-lettered
 */
public record RetryPolicy(List<Duration> delays, int maxAttempts, int maxDeliveries) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(
            List.of(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5)), 4, 5);

    public RetryPolicy {
        delays = List.copyOf(delays);
        if (delays.isEmpty()) {
            throw new IllegalArgumentException("at least one retry delay is needed");
        }
        if (maxAttempts < 1 || maxDeliveries < 1) {
            throw new IllegalArgumentException("maxAttempts and maxDeliveries must be positive");
        }
    }

    public boolean mayRetry(int attempt) {
        return attempt < maxAttempts;
    }

    /** The delay before attempt {@code failedAttempt + 1}. */
    public Duration delayAfter(int failedAttempt) {
        Duration base = delays.get(Math.min(failedAttempt, delays.size()) - 1);
        long jitter = (long) (base.toMillis() * 0.1 * ThreadLocalRandom.current().nextDouble());
        return base.plusMillis(jitter);
    }
}
