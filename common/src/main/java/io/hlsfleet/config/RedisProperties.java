package io.hlsfleet.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * The Redis broker. The URL has no default here because setting it explicitly also turns on the
 * job status store (see {@link StatusProperties}); {@link #urlOrDefault()} is the broker's.
 *
 * @param url Redis connection when {@code hlsfleet.broker=redis}; default {@code redis://localhost:6379}
 * @param lease on Redis, how long a job a worker stopped renewing (because it died) stays with it
 *        before another worker takes it over
 * @param deadLetterCap on Redis, how many dead letters each stage keeps (the newest); 0 keeps all
 */
@ConfigurationProperties("hlsfleet.redis")
public record RedisProperties(
        String url,
        @DefaultValue("60s") @DurationUnit(ChronoUnit.SECONDS) Duration lease,
        @DefaultValue("10000") int deadLetterCap) {

    public static final String DEFAULT_URL = "redis://localhost:6379";

    public RedisProperties {
        url = url == null || url.isBlank() ? null : url.strip();
    }

    public String urlOrDefault() {
        return url == null || url.isBlank() ? DEFAULT_URL : url;
    }
}
