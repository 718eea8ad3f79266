package io.hlsfleet.storage.s3;

import io.hlsfleet.job.NotRetryable;
import java.io.IOException;

/**
 * The store refused a request as it stands: wrong credentials, a missing bucket, a header it does
 * not support. Its message has the server's own words and the setting to change; a job that meets
 * it fails at once instead of being retried.
 */
public final class S3RefusedException extends IOException implements NotRetryable {

    S3RefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
