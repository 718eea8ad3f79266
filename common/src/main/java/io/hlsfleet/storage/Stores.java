package io.hlsfleet.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/** Builds the staging area and bucket named by {@code HLSFLEET_STAGING} and {@code HLSFLEET_BUCKET}. */
public final class Stores {

    private Stores() {
    }

    public static StagingArea staging(String location) throws IOException {
        if (isS3(location)) {
            throw new IllegalArgumentException("HLSFLEET_STAGING=" + location + ": s3:// staging is not available yet");
        }
        return new LocalStagingArea(localPath(location));
    }

    public static ObjectStore bucket(String location) throws IOException {
        if (isS3(location)) {
            throw new IllegalArgumentException("HLSFLEET_BUCKET=" + location + ": s3:// buckets are not available yet");
        }
        return new LocalObjectStore(localPath(location));
    }

    static boolean isS3(String location) {
        return location.toLowerCase(Locale.ROOT).startsWith("s3://");
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
