package io.hlsfleet.status;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.RedisProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.config.StatusProperties;
import io.hlsfleet.worker.JobListener;
import java.util.Optional;

/**
 * The status store of a fleet: Redis when one is configured ({@code HLSFLEET_BROKER=redis}, or
 * {@code HLSFLEET_STATUS_REDIS_URL} / {@code HLSFLEET_REDIS_URL} set explicitly), none otherwise.
 */
public final class JobStatusStores {

    private JobStatusStores() {
    }

    public static Optional<JobStatusStore> connect(Settings settings, FleetConfig config) {
        return url(settings, config).map(RedisJobStatusStore::new);
    }

    /** The Redis where job status (and cancel requests) are kept, if any. */
    static Optional<String> url(Settings settings, FleetConfig config) {
        String url = settings.bind(StatusProperties.class).redisUrl();
        if (url == null) {
            url = settings.bind(RedisProperties.class).url();
        }
        if (url == null && config.broker().equals("redis")) {
            url = config.redisUrl();
        }
        return Optional.ofNullable(url);
    }

    /**
     * What records job status for this process: a {@link StatusRecorder} on the fleet's store, or
     * {@link JobListener#NONE} when none is configured (nobody could read what would be recorded).
     */
    public static JobListener recorder(Settings settings, FleetConfig config) {
        return connect(settings, config).<JobListener>map(StatusRecorder::new).orElse(JobListener.NONE);
    }
}
