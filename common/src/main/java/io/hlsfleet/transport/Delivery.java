package io.hlsfleet.transport;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import java.time.Duration;

/**
 * One message handed to a consumer. It is settled once, by one of the methods below; each returns
 * only when the broker has recorded the outcome, and throws {@link TransportException} (leaving
 * the delivery unsettled) when it has not. Calls after the first successful one are ignored.
 * {@link AbstractDelivery} holds these rules for every transport.
 */
public interface Delivery {

    /** The job this message carries; throws for an intake {@linkplain #cancelsJob cancel message}. */
    Job job();

    /**
     * The job an intake message asks to cancel ({@code {"cancel": "<jobId>"}}), or null when the
     * message is a job. Such a message is settled with {@link #ack} or {@link #deadLetter}.
     */
    default String cancelsJob() {
        return null;
    }

    /**
     * True once the broker no longer holds this message for this consumer (a Redis lease taken
     * over, a RabbitMQ channel closed): another consumer may have it now. A lost delivery's
     * handler is interrupted, and the delivery settles nothing (every settling call throws).
     */
    boolean lost();

    /**
     * Stops the handler of a cancelled job: it is interrupted as a {@linkplain #lost lost}
     * delivery's is (its ffmpeg and transfers stop), but the delivery can still be settled.
     */
    void cancel(String reason);

    /** Why the job was {@linkplain #cancel cancelled} while it ran, or null. */
    String cancelReason();

    /**
     * How many times the broker has delivered this message, this time included, when the broker
     * counts; otherwise 1 on a first delivery and 2 on any redelivery.
     */
    int deliveryCount();

    /** The job is done at this stage and has nothing to hand on (the last stage). */
    void ack();

    /**
     * Queues {@code output} for the {@code next} stage and marks this delivery done, as one step:
     * once the next stage's message is confirmed this delivery is settled, so the input can no
     * longer be retried or dead-lettered, even if removing it from its queue then fails (it may
     * then come back as a duplicate, which the idempotent stages absorb). Throws only if the next
     * stage's message was not confirmed.
     */
    void handOff(Stage next, Job output);

    /** Queue {@code retry} for this stage again after {@code delay}, then drop this delivery. */
    void retryLater(Job retry, Duration delay);

    /** Move the job to this stage's dead-letter queue, then drop this delivery. */
    void deadLetter(DeadLetter deadLetter);

    /**
     * Give the message back to the queue, as when a worker shuts down mid-job. A release is not a
     * crash: it does not count toward the poison limit ({@link #deliveryCount()} is unchanged).
     */
    void release();
}
