package io.hlsfleet.storage;

import io.hlsfleet.config.Settings;
import io.hlsfleet.storage.s3.S3Location;
import io.hlsfleet.storage.s3.S3ObjectStore;
import io.hlsfleet.storage.s3.S3Settings;
import io.hlsfleet.storage.s3.S3StagingArea;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Builds the staging area and bucket named by {@code HLSFLEET_STAGING} and {@code HLSFLEET_BUCKET}:
 * a directory, or {@code s3://bucket/prefix} with the S3 settings of {@link S3Settings}.
 */
public final class Stores {

    private Stores() {
    }

    /** Staging with S3 settings from the process environment. */
    public static StagingArea staging(String location) throws IOException {
        return staging(location, Settings.fromEnvironment());
    }

    public static StagingArea staging(String location, Settings settings) throws IOException {
        if (isS3(location)) {
            return new S3StagingArea(parse("HLSFLEET_STAGING", location), S3Settings.from(settings));
        }
        return new LocalStagingArea(localPath(location));
    }

    /** A bucket with S3 settings from the process environment. */
    public static ObjectStore bucket(String location) throws IOException {
        return bucket(location, Settings.fromEnvironment());
    }

    public static ObjectStore bucket(String location, Settings settings) throws IOException {
        if (isS3(location)) {
            return new S3ObjectStore(parse("HLSFLEET_BUCKET", location), S3Settings.from(settings));
        }
        return new LocalObjectStore(localPath(location));
    }

    /**
     * A store of secrets (AES-128 keys): on S3 its objects never get {@code HLSFLEET_S3_ACL}, so a
     * {@code public-read} bucket setting does not publish them; in a directory its files can be
     * read by their owner only.
     */
    public static ObjectStore privateStore(String variable, String location, Settings settings) throws IOException {
        if (isS3(location)) {
            return new S3ObjectStore(parse(variable, location), S3Settings.from(settings).withoutAcl());
        }
        return LocalObjectStore.ownerOnly(localPath(location));
    }

    static boolean isS3(String location) {
        return location.toLowerCase(Locale.ROOT).startsWith("s3://");
    }

    private static S3Location parse(String variable, String location) {
        try {
            return S3Location.parse(location);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(variable + "=" + location + ": " + e.getMessage(), e);
        }
    }

    /** Accepts {@code file:///abs}, {@code file:relative} and plain paths. */
    static Path localPath(String location) {
        if (location.startsWith("file:")) {
            URI uri = URI.create(location);
            if (uri.isOpaque()) {
                return Path.of(uri.getSchemeSpecificPart());
            }
            return Path.of(uri);
        }
        return Path.of(location);
    }
}
