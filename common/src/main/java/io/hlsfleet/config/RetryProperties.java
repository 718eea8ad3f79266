package io.hlsfleet.config;

import io.hlsfleet.worker.RetryPolicy;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * How failed jobs are retried (see {@link RetryPolicy}).
 *
 * @param retryDelays backoff tiers for retryable failures
 * @param maxAttempts attempts per stage, the first included, before a job is dead-lettered
 * @param maxDeliveries deliveries of one message (crashed workers included) before it counts as poison
 */
@ConfigurationProperties("hlsfleet")
public record RetryProperties(
        @DefaultValue("10s,1m,5m") @DurationUnit(ChronoUnit.SECONDS) List<Duration> retryDelays,
        @DefaultValue("4") int maxAttempts,
        @DefaultValue("5") int maxDeliveries) {

    public RetryPolicy policy() {
        return new RetryPolicy(retryDelays, maxAttempts, maxDeliveries);
    }
}
