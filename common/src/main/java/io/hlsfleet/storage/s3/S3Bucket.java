package io.hlsfleet.storage.s3;

import java.io.IOException;
import java.util.UUID;

/**
 * What a bucket store and bucket staging share: where they are, the transfers to that server,
 * the integrity mode of uploads and the start-up check.
 */
abstract class S3Bucket implements AutoCloseable {

    protected final S3Location location;
    protected final S3Transfers s3;

    S3Bucket(S3Location location, S3Settings settings) {
        this.location = location;
        this.s3 = new S3Transfers(settings, location.uri());
    }

    public S3Location location() {
        return location;
    }

    /** The integrity mode of uploads, as logged at start-up (see {@link S3Integrity}). */
    public String integrity() {
        return s3.integrity();
    }

    /**
     * The start-up check: the bucket answers and a small object under {@code .hlsfleet-check/}
     * goes up with the integrity mode in force, comes back intact and is deleted.
     */
    public void check() throws IOException {
        s3.check(location.bucket(), newCheckKey());
    }

    /** A key of its own for a check object, under {@code .hlsfleet-check/} (which nothing else uses). */
    protected String newCheckKey() {
        return location.key(".hlsfleet-check/" + UUID.randomUUID());
    }

    S3Settings settings() {
        return s3.settings();
    }

    @Override
    public void close() {
        s3.close();
    }
}
