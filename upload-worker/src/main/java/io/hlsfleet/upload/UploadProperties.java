package io.hlsfleet.upload;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the upload stage, {@code hlsfleet.upload.*} ({@code HLSFLEET_UPLOAD_*}).
 *
 * @param parallelism objects of one ladder uploaded at once
 */
@ConfigurationProperties("hlsfleet.upload")
public record UploadProperties(@DefaultValue("8") int parallelism) {

    public UploadProperties {
        if (parallelism < 1) {
            throw new IllegalArgumentException("HLSFLEET_UPLOAD_PARALLELISM must be at least 1");
        }
    }
}
