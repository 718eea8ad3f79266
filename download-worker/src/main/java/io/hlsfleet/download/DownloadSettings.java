package io.hlsfleet.download;

import io.hlsfleet.config.Settings;
import java.time.Duration;

/**
 * Settings of the download stage.
 *
 * @param connectTimeout {@code HLSFLEET_DOWNLOAD_CONNECT_TIMEOUT}, default 10 s
 * @param readTimeout {@code HLSFLEET_DOWNLOAD_READ_TIMEOUT}: longest wait for the response, default 60 s
 * @param totalTimeout {@code HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT}: longest a transfer may take, default 2 h
 * @param maxBytes {@code HLSFLEET_DOWNLOAD_MAX_BYTES}, default 20 GiB
 * @param allowLocalFiles whether sources may be local paths; only {@code hlsfleet run} allows it
 */
public record DownloadSettings(Duration connectTimeout, Duration readTimeout, Duration totalTimeout, long maxBytes,
        boolean allowLocalFiles) {

    public static DownloadSettings from(Settings settings, boolean allowLocalFiles) {
        return new DownloadSettings(
                settings.duration("HLSFLEET_DOWNLOAD_CONNECT_TIMEOUT", Duration.ofSeconds(10)),
                settings.duration("HLSFLEET_DOWNLOAD_READ_TIMEOUT", Duration.ofSeconds(60)),
                settings.duration("HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT", Duration.ofHours(2)),
                settings.bytes("HLSFLEET_DOWNLOAD_MAX_BYTES", 20L << 30),
                allowLocalFiles);
    }
}
