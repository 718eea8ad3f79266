package io.hlsfleet.upload;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * Settings of the upload stage, {@code hlsfleet.upload.*} ({@code HLSFLEET_UPLOAD_*}).
 *
 * @param parallelism objects of one ladder uploaded at once
 * @param oldGenerationDelay how long a generation of a video stays in the bucket after a newer one
 *        replaced it in the master playlist: longer than a viewer watches and than caches keep the
 *        master, so nobody playing the old ladder is cut off
 */
@ConfigurationProperties("hlsfleet.upload")
public record UploadProperties(
        @DefaultValue("8") int parallelism,
        @DefaultValue("24h") @DurationUnit(ChronoUnit.SECONDS) Duration oldGenerationDelay) {

    public UploadProperties {
        if (parallelism < 1) {
            throw new IllegalArgumentException("HLSFLEET_UPLOAD_PARALLELISM must be at least 1");
        }
        if (oldGenerationDelay.isNegative()) {
            throw new IllegalArgumentException("HLSFLEET_UPLOAD_OLD_GENERATION_DELAY must not be negative");
        }
    }
}
