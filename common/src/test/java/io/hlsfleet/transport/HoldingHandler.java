package io.hlsfleet.transport;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handler that holds its deliveries the way a long encode does, sleeping until its thread is
 * interrupted, for the fencing tests: they take a held delivery away from its handler (a cut
 * connection, a claim by another consumer) and check that the handler is interrupted and can
 * settle nothing.
 */
public final class HoldingHandler implements Transport.DeliveryHandler {

    private final boolean ackRedeliveries;
    private final AtomicInteger deliveries = new AtomicInteger();
    private final BlockingQueue<Delivery> started = new LinkedBlockingQueue<>();
    private final BlockingQueue<Delivery> interrupted = new LinkedBlockingQueue<>();

    private HoldingHandler(boolean ackRedeliveries) {
        this.ackRedeliveries = ackRedeliveries;
    }

    /** Holds every delivery until interrupted. */
    public static HoldingHandler holdingEvery() {
        return new HoldingHandler(false);
    }

    /** Holds the first delivery until interrupted and acks the ones after it at once. */
    public static HoldingHandler holdingTheFirst() {
        return new HoldingHandler(true);
    }

    @Override
    public void handle(Delivery delivery) {
        boolean first = deliveries.incrementAndGet() == 1;
        started.add(delivery);
        if (!first && ackRedeliveries) {
            delivery.ack();
            return;
        }
        try {
            Thread.sleep(Duration.ofMinutes(2));
        } catch (InterruptedException e) {
            interrupted.add(delivery);
        }
    }

    /** The next delivery the handler started on; fails naming {@code what} after {@code limit}. */
    public Delivery awaitStarted(String what, Duration limit) throws InterruptedException {
        return poll(started, what, limit);
    }

    /** The next delivery whose handler was interrupted; fails naming {@code what} after {@code limit}. */
    public Delivery awaitInterrupted(String what, Duration limit) throws InterruptedException {
        return poll(interrupted, what, limit);
    }

    private static Delivery poll(BlockingQueue<Delivery> queue, String what, Duration limit)
            throws InterruptedException {
        Delivery delivery = queue.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
        if (delivery == null) {
            throw new AssertionError(what + ": nothing within " + limit);
        }
        return delivery;
    }
}
