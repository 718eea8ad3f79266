package io.hlsfleet.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where job status is kept for {@code hlsfleet status} and {@code watch}.
 *
 * @param redisUrl a Redis of its own for job status; unset, status goes to {@code hlsfleet.redis.url}
 *        when that is set or the broker is Redis, and nowhere otherwise
 */
@ConfigurationProperties("hlsfleet.status")
public record StatusProperties(String redisUrl) {

    public StatusProperties {
        redisUrl = redisUrl == null || redisUrl.isBlank() ? null : redisUrl.strip();
    }
}
