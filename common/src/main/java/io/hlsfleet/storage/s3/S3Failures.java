package io.hlsfleet.storage.s3;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns the SDK's exceptions into the {@link IOException}s the stores throw, deciding once what
 * may be retried: throttling, 5xx answers and network faults (after the SDK's own retries) stay
 * retryable; a request the server refuses as it stands becomes an {@link S3RefusedException} with
 * the server's words and the setting to change.
 */
public final class S3Failures {

    /** Codes of 4xx answers that a later attempt may not meet again. */
    private static final Set<String> PASSING = Set.of("RequestTimeout", "SlowDown", "Throttling",
            "ThrottlingException", "RequestThrottled", "TooManyRequests");

    private S3Failures() {
    }

    static IOException of(String action, String bucket, String key, SdkException e, S3Integrity integrity) {
        String object = "s3://" + bucket + "/" + key;
        if (e.getCause() instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted: " + action + " " + object);
            interrupted.initCause(e);
            return interrupted;
        }
        if (e instanceof S3Exception refusal && refused(refusal)) {
            return refusedBy(action + " " + object, refusal, integrity);
        }
        return new IOException("could not " + action + " " + object + ": " + e.getMessage(), e);
    }

    /**
     * True if the server turned the request down for what it is, not for how busy it is: the one
     * rule, for every stage that talks to S3, of which S3 answers a later attempt may not meet.
     */
    public static boolean refused(S3Exception e) {
        int status = e.statusCode();
        if (e.isThrottlingException() || status == 408 || status == 429 || PASSING.contains(code(e))) {
            return false;
        }
        return (status >= 300 && status < 500) || status == 501;
    }

    /** A refusal of {@code what} (such as {@code upload s3://b/k}) in the server's words, with the setting to change. */
    static S3RefusedException refusedBy(String what, S3Exception e, S3Integrity integrity) {
        return new S3RefusedException("the S3 store refused to " + what + ": " + serverWords(e) + "; "
                + advice(e, integrity), e);
    }

    /** The server's error code and message, and the HTTP status: {@code NoSuchBucket: The specified bucket does not exist (HTTP 404)}. */
    static String serverWords(S3Exception e) {
        AwsErrorDetails details = e.awsErrorDetails();
        String code = code(e);
        String message = details != null && details.errorMessage() != null ? details.errorMessage() : null;
        StringBuilder words = new StringBuilder();
        if (!code.isEmpty()) {
            words.append(code);
        }
        if (message != null && !message.isBlank() && !message.equals(code)) {
            words.append(words.isEmpty() ? "" : ": ").append(message.strip());
        }
        return (words.isEmpty() ? "no explanation" : words) + " (HTTP " + e.statusCode() + ")";
    }

    private static String code(S3Exception e) {
        AwsErrorDetails details = e.awsErrorDetails();
        return details != null && details.errorCode() != null ? details.errorCode() : "";
    }

    /** What an operator changes for this refusal. */
    static String advice(S3Exception e, S3Integrity integrity) {
        String code = code(e);
        String text = (code + " " + (e.awsErrorDetails() != null ? e.awsErrorDetails().errorMessage() : ""))
                .toLowerCase(Locale.ROOT);
        int status = e.statusCode();
        if (integrity == S3Integrity.CRC32 && (status == 501 || text.contains("header") || text.contains("checksum")
                || text.contains("trailer"))) {
            return "the store does not support the SDK's flexible checksums: set " + S3Integrity.SETTING
                    + "=md5 (Content-MD5, which every S3-compatible store checks)";
        }
        if (code.equals("NoSuchBucket")) {
            return "create the bucket, or correct HLSFLEET_BUCKET / HLSFLEET_STAGING";
        }
        if (code.contains("AccessControlList") || text.contains("acl")) {
            return "the bucket does not accept canned ACLs: unset HLSFLEET_S3_ACL";
        }
        if (status == 301 || code.equals("PermanentRedirect") || code.equals("AuthorizationHeaderMalformed")
                || code.equals("IllegalLocationConstraintException")) {
            return "set AWS_REGION to the bucket's region";
        }
        if (status == 403 || code.equals("InvalidAccessKeyId") || code.equals("SignatureDoesNotMatch")) {
            return "check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and the bucket's policy";
        }
        return "check the S3 settings (AWS_ENDPOINT_URL_S3, AWS_REGION, HLSFLEET_S3_PATH_STYLE, " + S3Integrity.SETTING + ")";
    }
}
