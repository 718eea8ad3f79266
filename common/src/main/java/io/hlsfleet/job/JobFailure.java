package io.hlsfleet.job;

/**
 * A stage's verdict on a failed attempt. Every failure is classified once, where the most is known
 * about it: a retryable one goes back to the queue with a delay, a non-retryable one (bad input,
 * limits exceeded) goes to the dead-letter queue at once. The reason is written for a person and
 * ends up in the job's status and in the dead letter.
 */
public class JobFailure extends Exception {

    private final boolean retryable;

    /** The reason is {@linkplain SourceUrls#redactText redacted}: it is logged, traced and kept. */
    protected JobFailure(String reason, boolean retryable, Throwable cause) {
        super(SourceUrls.redactText(reason), cause);
        this.retryable = retryable;
    }

    /** Bad or unsupported input: trying again cannot help. */
    public static JobFailure permanent(String reason) {
        return new JobFailure(reason, false, null);
    }

    public static JobFailure permanent(String reason, Throwable cause) {
        return new JobFailure(reason, false, cause);
    }

    /** A passing fault (network, crash, timeout, full disk): the attempt may succeed later. */
    public static JobFailure retryable(String reason, Throwable cause) {
        return new JobFailure(reason, true, cause);
    }

    public static JobFailure retryable(String reason) {
        return new JobFailure(reason, true, null);
    }

    public boolean retryable() {
        return retryable;
    }

    /** The reason for a person to read. */
    public String reason() {
        return getMessage();
    }

    /**
     * Classifies any throwable that escaped a stage: a {@link JobFailure} keeps its verdict, a
     * {@link NotRetryable} cause makes the failure permanent with that cause's words, anything
     * else is treated as retryable, since a bug or a passing fault is more likely than bad input
     * that the stage did not recognise.
     */
    public static JobFailure classify(Throwable error) {
        if (error instanceof JobFailure failure) {
            return failure;
        }
        Throwable cause = error;
        for (int depth = 0; cause != null && depth < 16; depth++, cause = cause.getCause()) {
            if (cause instanceof NotRetryable) {
                return new JobFailure(cause.getMessage(), false, error);
            }
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return new JobFailure(message, true, error);
    }

    /**
     * True if the failure comes from a full disk (the words the kernel's {@code ENOSPC} is reported
     * with, by Java and by ffmpeg alike): a passing fault of the worker, never of the video.
     */
    public static boolean diskFull(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (diskFull(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** True if {@code message} (an exception's, or a tool's error output) reports a full disk. */
    public static boolean diskFull(String message) {
        return message != null && message.toLowerCase(java.util.Locale.ROOT).contains("no space left");
    }

    /**
     * True if the attempt ended because its thread was interrupted (a shutdown, or the transport
     * fencing a job the broker took back), not because of anything about the job.
     */
    public static boolean interrupted(Throwable error) {
        return Thread.currentThread().isInterrupted() || error instanceof InterruptedException;
    }

    /** The class of the exception that really caused this failure, for dead letters and metrics. */
    public String causeClass() {
        Throwable root = getCause() == null ? this : getCause();
        return root.getClass().getName();
    }
}
