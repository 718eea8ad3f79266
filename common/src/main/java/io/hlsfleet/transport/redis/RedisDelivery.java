package io.hlsfleet.transport.redis;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.AbstractDelivery;
import io.hlsfleet.transport.TransportException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A stream entry pending with one consumer. Every outcome is one script that first checks the
 * consumer still owns the entry, so a delivery whose lease was lost cannot settle the work of the
 * consumer that took it over.
 */
final class RedisDelivery extends AbstractDelivery {

    private static final Logger log = LoggerFactory.getLogger(RedisDelivery.class);

    private final StageQueue queue;
    private final String consumer;
    private final StageQueue.RedisMessage message;
    /** When the lease was last taken or renewed (System.nanoTime). */
    private volatile long leasedAt = System.nanoTime();

    RedisDelivery(StageQueue queue, String consumer, StageQueue.RedisMessage message) {
        super(queue.stage(), message.body() == null ? null : message.body().getBytes(StandardCharsets.UTF_8));
        this.queue = queue;
        this.consumer = consumer;
        this.message = message;
    }

    @Override
    protected Job decode() {
        if (body() == null) {
            throw new JobCodec.MalformedJobException("stream entry has no '" + RedisKeys.BODY + "' field");
        }
        return super.decode();
    }

    @Override
    protected String rawText() {
        return body() == null ? message.fields().toString() : super.rawText();
    }

    @Override
    public int deliveryCount() {
        return message.deliveryCount();
    }

    String id() {
        return message.id();
    }

    /** The stream the entry is on. */
    String stream() {
        return queue.stream();
    }

    @Override
    protected void sendAck() {
        run("ack", () -> queue.ack(consumer, id()));
    }

    @Override
    protected void sendHandOff(Stage next, Priority priority, byte[] output) {
        run("hand-off", () -> queue.handOff(consumer, id(), next, priority, output));
    }

    /** Waits in the delayed set of the stream the entry came from, and returns to that stream. */
    @Override
    protected void sendRetry(byte[] retry, Priority priority, Duration delay) {
        run("retry", () -> queue.retryLater(consumer, id(), retry, delay));
    }

    @Override
    protected void sendDeadLetter(byte[] deadLetter) {
        run("dead-letter", () -> queue.deadLetter(consumer, id(), deadLetter));
    }

    @Override
    protected void sendRelease() {
        run("release", () -> queue.release(consumer, id(), deliveryCount() - 1));
    }

    @Override
    protected void sendAbandon() {
        run("give-back", () -> queue.abandon(consumer, id()));
    }

    /**
     * Renews the lease while the handler runs.
     *
     * @return false once another consumer has taken the entry over
     */
    boolean renew() {
        if (settled()) {
            return true;
        }
        long attempted = System.nanoTime();
        boolean held = queue.renew(consumer, id());
        if (held) {
            leasedAt = attempted;
        }
        return held;
    }

    /** True if the lease has not been renewed for {@code lease}: other consumers may have taken the entry. */
    boolean leaseRanOut(Duration lease) {
        return System.nanoTime() - leasedAt > lease.toNanos();
    }

    /** Runs one settling script; an entry this consumer lost is settled by the one that took it. */
    private void run(String outcome, BooleanSupplier script) {
        try {
            if (!script.getAsBoolean()) {
                log.warn("{} of {} entry {} dropped: this consumer no longer holds it (its lease ran out and another"
                        + " consumer took it over, or an earlier call went through)", outcome, queue.stream(), id());
            }
        } catch (JedisException e) {
            throw new TransportException("could not " + outcome + " " + queue.stream() + " entry " + id()
                    + " on Redis; it will be delivered again", e);
        }
    }
}
