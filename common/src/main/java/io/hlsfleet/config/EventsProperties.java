package io.hlsfleet.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * The job events a fleet publishes on its broker ({@code io.hlsfleet.events}).
 *
 * @param enabled {@code HLSFLEET_EVENTS_ENABLED}: publish job events at all
 * @param progressInterval {@code HLSFLEET_EVENTS_PROGRESS_INTERVAL}: at most one {@code progress}
 *        event per job this often
 * @param publicUrl {@code HLSFLEET_EVENTS_PUBLIC_URL}: the base URL players fetch the bucket from
 *        (a CDN), so that {@code published} events carry a master URL a player can open; unset, they
 *        carry the bucket's own address
 * @param redisMaxLength {@code HLSFLEET_EVENTS_REDIS_MAX_LENGTH}: on Redis, about how many of the
 *        newest events the stream keeps
 */
@ConfigurationProperties("hlsfleet.events")
public record EventsProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("5s") @DurationUnit(ChronoUnit.SECONDS) Duration progressInterval,
        String publicUrl,
        @DefaultValue("100000") long redisMaxLength) {

    public EventsProperties {
        publicUrl = publicUrl == null || publicUrl.isBlank() ? null : publicUrl.strip().replaceAll("/+$", "");
        if (redisMaxLength < 1) {
            throw new IllegalArgumentException("HLSFLEET_EVENTS_REDIS_MAX_LENGTH must be at least 1");
        }
    }

    /** What master URLs start with: the public URL when set, else {@code bucketAddress}. */
    public String masterUrlBase(String bucketAddress) {
        return publicUrl != null ? publicUrl : bucketAddress;
    }
}
