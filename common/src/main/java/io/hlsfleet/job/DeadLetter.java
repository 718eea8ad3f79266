package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;

/**
 * What a dead-letter queue holds: the job as it was when it failed, and why. Source URLs are kept
 * {@linkplain SourceUrls#redact redacted}: a signed URL is requeued without its signature, so
 * such a job is submitted again with a fresh one instead.
 *
 * @param job the job, or null if the message could not be read as one
 * @param rawBody the message body when it could not be read as a job
 * @param stage the stage that gave up
 * @param attempts attempts made at that stage
 * @param exceptionClass class of the exception that caused the last failure
 * @param reason the reason for a person to read
 * @param deadAt when the job was given up
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeadLetter(Job job, String rawBody, Stage stage, int attempts, String exceptionClass, String reason,
        Instant deadAt) {

    /**
     * The most of an unreadable body a dead letter keeps: enough to recognise it, small enough for
     * any broker's message size limit whatever was queued.
     */
    public static final int RAW_BODY_LIMIT = 4096;

    public static DeadLetter of(Job job, JobFailure failure) {
        return new DeadLetter(job.withRedactedSource(), null, job.stage(), job.attempt(), failure.causeClass(),
                failure.reason(), Instant.now());
    }

    public static DeadLetter unreadable(Stage stage, String rawBody, Exception error) {
        return new DeadLetter(null, beginning(SourceUrls.redactText(rawBody)), stage, 1, error.getClass().getName(),
                "malformed message: " + SourceUrls.redactText(error.getMessage()), Instant.now());
    }

    private static String beginning(String rawBody) {
        if (rawBody == null || rawBody.length() <= RAW_BODY_LIMIT) {
            return rawBody;
        }
        int cut = Character.isHighSurrogate(rawBody.charAt(RAW_BODY_LIMIT - 1)) ? RAW_BODY_LIMIT - 1 : RAW_BODY_LIMIT;
        return rawBody.substring(0, cut) + "...";
    }

    /** The job id, or a placeholder for a message that never became a job. */
    public String jobId() {
        return job == null ? "(unreadable)" : job.jobId();
    }
}
