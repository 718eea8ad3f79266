package io.hlsfleet.status;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import java.util.Optional;

/**
 * The status store of a fleet: Redis when one is configured ({@code HLSFLEET_BROKER=redis}, or
 * {@code HLSFLEET_STATUS_REDIS_URL} / {@code HLSFLEET_REDIS_URL} set explicitly), none otherwise.
 */
public final class JobStatusStores {

    private JobStatusStores() {
    }

    public static Optional<JobStatusStore> connect(Settings settings, FleetConfig config) {
        String url = settings.string("HLSFLEET_STATUS_REDIS_URL", settings.string("HLSFLEET_REDIS_URL", null));
        if (url == null && config.broker().equals("redis")) {
            url = config.redisUrl();
        }
        return url == null ? Optional.empty() : Optional.of(new RedisJobStatusStore(url));
    }
}
