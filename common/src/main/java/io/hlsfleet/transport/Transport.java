package io.hlsfleet.transport;

import io.hlsfleet.events.EventBus;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The queues between stages. Implementations: {@link InMemoryTransport} (one process, the
 * embedded default), {@code RabbitTransport} and {@code RedisTransport}.
 *
 * <p>Contract shared by all of them, and checked by one test suite:
 * <ul>
 *   <li>{@link #publish} returns only once the broker has the message durably (publisher confirm);
 *       it throws otherwise, so a caller never believes a job was queued when it was not.</li>
 *   <li>A delivery stays owned by its consumer until it is acked, retried or dead-lettered. If the
 *       consumer dies first, the message is delivered again to another consumer.</li>
 *   <li>A message body that is not a job never reaches the handler: it is dead-lettered with the
 *       reason.</li>
 * </ul>
 */
public interface Transport extends AutoCloseable {

    /** Queues {@code job} for {@code stage}, waiting for the broker's confirmation. */
    void publish(Stage stage, Job job);

    /**
     * Queues {@code jobs} for {@code stage} in one go, and returns once the broker confirmed every
     * one of them; throws if any was not confirmed, in which case some of them may be queued (a
     * caller that reports what it queued should count none of this batch). Brokers that can
     * confirm a batch at once do (RabbitMQ's confirms are waited for together, Redis takes a
     * pipeline); the default publishes one by one.
     */
    default void publishAll(Stage stage, List<Job> jobs) {
        for (Job job : jobs) {
            publish(stage, job);
        }
    }

    /**
     * Queues a raw message body for {@code stage}, as another tool writing to the queue would:
     * a JSON job, or on the intake a bare URL. Used by tests and by tools that forward bodies.
     */
    void publishRaw(Stage stage, byte[] body);

    /**
     * Starts {@code concurrency} consumers of {@code stage}'s queue. Each delivery is handed to
     * {@code handler} on its own thread; the handler must settle it exactly once.
     */
    Subscription subscribe(Stage stage, int concurrency, DeliveryHandler handler);

    /** Messages waiting in each stage's queue (ready, not yet delivered), for status and metrics. */
    Map<Stage, Long> queueDepths();

    /**
     * The dead letters of a stage, oldest first. Listing is not a delivery: however often they
     * are listed, they stay, in their order.
     */
    List<DeadLetter> deadLetters(Stage stage, int limit);

    /**
     * Moves dead letters of a stage back onto its queue as first attempts.
     *
     * @param jobIds the jobs to requeue; empty means all
     * @return how many were requeued
     */
    int requeueDeadLetters(Stage stage, List<String> jobIds);

    /**
     * Deletes the dead letters of these jobs from a stage's dead letters, leaving the others in
     * their order; for a tool that has already queued the jobs again elsewhere.
     *
     * @return how many were removed
     */
    int removeDeadLetters(Stage stage, List<String> jobIds);

    /** Deletes every dead letter of a stage and returns how many there were. */
    int purgeDeadLetters(Stage stage);

    /** Where this fleet's job events go and can be followed ({@link EventBus}). */
    default EventBus events() {
        return EventBus.NONE;
    }

    @Override
    void close();

    /** Receives deliveries; see {@link Delivery} for how to settle one. */
    @FunctionalInterface
    interface DeliveryHandler {
        void handle(Delivery delivery);
    }

    /** A running set of consumers. Closing it stops taking new deliveries. */
    interface Subscription extends AutoCloseable {

        /**
         * Stops taking new deliveries and waits up to {@code grace} for the ones in hand to be
         * settled. Deliveries still unsettled then go back to the queue.
         */
        void stop(Duration grace);

        @Override
        default void close() {
            stop(Duration.ZERO);
        }
    }
}
