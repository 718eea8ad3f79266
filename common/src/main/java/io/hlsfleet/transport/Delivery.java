package io.hlsfleet.transport;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import java.time.Duration;

/**
 * One message handed to a consumer. It must be settled exactly once, by one of the three methods;
 * each of them returns only when the broker has recorded the outcome.
 */
public interface Delivery {

    Job job();

    /**
     * How many times the broker has delivered this message, this time included, when the broker
     * counts; otherwise 1 on a first delivery and 2 on any redelivery.
     */
    int deliveryCount();

    /** The job is done at this stage (its output, if any, is already queued for the next one). */
    void ack();

    /** Queue {@code retry} for this stage again after {@code delay}, then drop this delivery. */
    void retryLater(Job retry, Duration delay);

    /** Move the job to this stage's dead-letter queue, then drop this delivery. */
    void deadLetter(DeadLetter deadLetter);

    /** Give the message back to the queue unchanged, as when a worker shuts down mid-job. */
    void release();
}
