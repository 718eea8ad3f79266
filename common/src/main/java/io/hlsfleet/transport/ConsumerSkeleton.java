package io.hlsfleet.transport;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Stage;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer side every transport shares, the way Spring AMQP's listener containers share one
 * base: each transport takes messages off its broker its own way and hands each one, as an
 * {@link AbstractDelivery}, to {@link #dispatch}, which
 * <ol>
 *   <li>reads the body as a job, dead-lettering a body that is not one (the handler never sees it);</li>
 *   <li>runs the handler;</li>
 *   <li>settles what the handler left unsettled: given back and counted as a crash while the
 *       consumer runs, released without counting once it is stopping.</li>
 * </ol>
 * {@link #stop} lets handlers finish within the grace period, interrupts the rest, and releases
 * whatever is still unsettled.
 */
public abstract class ConsumerSkeleton implements Transport.Subscription {

    private static final Logger log = LoggerFactory.getLogger(ConsumerSkeleton.class);

    private final Stage stage;
    private final Transport.DeliveryHandler handler;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Set<AbstractDelivery> inFlight = ConcurrentHashMap.newKeySet();

    protected ConsumerSkeleton(Stage stage, Transport.DeliveryHandler handler) {
        this.stage = stage;
        this.handler = handler;
    }

    public final Stage stage() {
        return stage;
    }

    /** False once {@link #stop} began: consumers take nothing more. */
    protected final boolean running() {
        return running.get();
    }

    /** The deliveries whose handlers are running now. */
    protected final Set<AbstractDelivery> inFlight() {
        return Collections.unmodifiableSet(inFlight);
    }

    /** Handles one message on the calling thread; returns once it is settled or given back. */
    protected final void dispatch(AbstractDelivery delivery) {
        if (!running.get()) {
            giveBack(delivery);
            return;
        }
        Job job = null;
        try {
            // The intake also takes {"cancel": "<jobId>"}: handed to the handler as a delivery
            // without a job.
            String cancelTarget = stage == Stage.DOWNLOAD ? JobCodec.cancelTarget(delivery.body()) : null;
            if (cancelTarget != null) {
                delivery.cancelling(cancelTarget);
            } else {
                job = delivery.decode();
            }
        } catch (JobCodec.MalformedJobException e) {
            log.warn("dead-lettering a malformed message on the {} queue: {}", stage.id(), e.getMessage());
            try {
                delivery.deadLetter(DeadLetter.unreadable(stage, delivery.rawText(), e));
            } catch (RuntimeException failed) {
                log.warn("could not dead-letter a malformed {} message; giving it back", stage.id(), failed);
                giveBack(delivery);
            }
            return;
        }
        if (job != null) {
            delivery.decoded(job);
        }
        inFlight.add(delivery);
        delivery.handling(true);
        try {
            handler.handle(delivery);
        } catch (RuntimeException e) {
            log.error("handler for {} failed without settling {}; giving it back", stage.id(),
                    job != null ? "job " + job.jobId() : "the cancel of job " + delivery.cancelsJob(), e);
        } finally {
            delivery.handling(false);
            inFlight.remove(delivery);
            giveBack(delivery);
        }
    }

    /**
     * Settles a delivery nobody else settled: released without counting when the consumer is
     * stopping, else given back as a failed delivery. When the broker cannot be told, the message
     * returns once the consumer's connection or lease is gone.
     */
    private void giveBack(AbstractDelivery delivery) {
        if (delivery.settled() || delivery.lost()) {
            // A lost delivery is the broker's again: it gave it back (or to another consumer) itself.
            return;
        }
        try {
            if (running.get()) {
                delivery.abandon();
            } else {
                delivery.release();
            }
        } catch (RuntimeException e) {
            log.warn("could not give a {} message back; the broker returns it when this consumer's connection"
                    + " or lease is gone", stage.id(), e);
            if (!running.get()) {
                abandonQuietly(delivery);
            }
        }
    }

    private void abandonQuietly(AbstractDelivery delivery) {
        try {
            delivery.abandon();
        } catch (RuntimeException e) {
            log.debug("giving back on the wire failed too", e);
        }
    }

    @Override
    public final void stop(Duration grace) {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        try {
            stopTaking(grace);
            long deadline = System.nanoTime() + grace.toNanos();
            while (!inFlight.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            inFlight.forEach(delivery -> delivery.worker().interrupt());
            awaitConsumers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.forEach(this::giveBack);
            stopped();
        }
    }

    /**
     * Stops taking new messages; consumers busy with one go on until it is settled, for at least
     * {@code grace}.
     */
    protected abstract void stopTaking(Duration grace);

    /** Waits, boundedly, for the consumers to end once their handlers were interrupted. */
    protected abstract void awaitConsumers() throws InterruptedException;

    /** Frees what the consumers held, once they ended. */
    protected void stopped() {
    }
}
