package io.hlsfleet.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where stages hand files to each other and where ladders are published.
 *
 * @param staging a directory shared by the workers, or {@code s3://bucket/prefix} for workers that
 *        share no disk
 * @param bucket where ladders are published: {@code file:///path}, a directory, or {@code s3://bucket/prefix}
 * @param scratch local working space when staging is on S3, cleaned after every attempt; by default
 *        {@code hlsfleet-scratch} in the JVM's temporary directory
 */
@ConfigurationProperties("hlsfleet")
public record StorageProperties(
        @DefaultValue("./staging") String staging,
        @DefaultValue("file:./cdn-bucket") String bucket,
        Path scratch) {

    /** {@link #scratch}, or its default. */
    public Path scratchRoot() {
        return scratch != null ? scratch : Path.of(System.getProperty("java.io.tmpdir"), "hlsfleet-scratch");
    }
}
