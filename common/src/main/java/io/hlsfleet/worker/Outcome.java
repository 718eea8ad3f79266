package io.hlsfleet.worker;

import io.hlsfleet.job.JobFailure;
import java.util.List;
import java.util.Locale;

/**
 * How one attempt of a stage ended. {@link #tag()} is the value of the {@code outcome} tag of the
 * metrics and of the attempt's span, the same words dashboards and alerts have always matched.
 */
public enum Outcome {
    /** The stage's work is done and handed on (or the ladder published). */
    SUCCEEDED,
    /** It failed and comes back after the retry policy's delay. */
    RETRIED,
    /** It failed for good and went to the dead-letter queue. */
    DEAD,
    /** A shutdown interrupted it and gave the job back to the queue. */
    RELEASED,
    /**
     * The broker took the job back from this worker, and the attempt settles nothing; or the
     * message was a late duplicate of a job already published, acked without an outcome.
     */
    ABANDONED,
    /** The job was cancelled ({@code hlsfleet cancel}): acked, its staged files removed. */
    CANCELLED;

    /** The metric and span tag value, {@code retried}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether trying again could help a failed attempt: the {@code failure} tag of the metrics. */
    public enum FailureClass {
        /** The attempt did not fail, or its failure was not judged (shutdown, fencing). */
        NONE,
        RETRYABLE,
        PERMANENT;

        public static FailureClass of(JobFailure failure) {
            return failure.retryable() ? RETRYABLE : PERMANENT;
        }

        /** The metric tag value, {@code permanent}. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** An outcome with its failure class, one series of {@code hlsfleet.stage.jobs}. */
    public record Ending(Outcome outcome, FailureClass failure) {

        /** Every ending a stage worker reports, so each series can exist at zero from the start. */
        static final List<Ending> ALL = List.of(
                new Ending(SUCCEEDED, FailureClass.NONE),
                new Ending(RETRIED, FailureClass.RETRYABLE),
                new Ending(DEAD, FailureClass.RETRYABLE),
                new Ending(DEAD, FailureClass.PERMANENT),
                new Ending(RELEASED, FailureClass.NONE),
                new Ending(CANCELLED, FailureClass.NONE));
    }
}
