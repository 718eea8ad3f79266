package io.hlsfleet.transport.redis;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.AbstractDelivery;
import io.hlsfleet.transport.TransportException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A stream entry pending with one consumer. Every outcome is one script that first checks the
 * consumer still owns the entry, so a delivery whose lease was lost cannot settle the work of the
 * consumer that took it over.
 */
final class RedisDelivery extends AbstractDelivery {

    private static final Logger log = LoggerFactory.getLogger(RedisDelivery.class);
    /** The first wait before asking Redis about a hand-off it did not answer; it doubles up to the longest. */
    private static final Duration RESOLVE_FIRST_WAIT = Duration.ofMillis(250);
    private static final Duration RESOLVE_LONGEST_WAIT = Duration.ofSeconds(4);

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

    /**
     * The one outcome whose failure must be told apart: the attempt's staged outputs are then
     * either the next stage's input or nobody's. A hand-off Redis did not answer (it went down, or
     * the connection broke) may have run or not, so Redis is asked which consumer holds the entry
     * until it answers, for up to three leases (after one, others may take the entry, which is an
     * answer too). Still this consumer: the hand-off runs again. Another: nothing was handed on and
     * the delivery is lost (its outputs can go). Nobody: it was settled, by this call as far as
     * anyone can tell (its outputs stay).
     */
    @Override
    protected void sendHandOff(Stage next, Priority priority, byte[] output) {
        try {
            handedOff(queue.handOff(consumer, id(), next, priority, output));
        } catch (JedisConnectionException unanswered) {
            log.warn("hand-off of {} entry {} got no answer from Redis ({}); asking Redis whether it went through",
                    queue.stream(), id(), unanswered.getMessage());
            resolveHandOff(next, priority, output, unanswered);
        } catch (JedisException e) {
            throw new TransportException("could not hand-off " + queue.stream() + " entry " + id()
                    + " on Redis; it will be delivered again", e);
        }
    }

    private void resolveHandOff(Stage next, Priority priority, byte[] output, JedisConnectionException first) {
        JedisConnectionException unanswered = first;
        Duration patience = queue.lease().multipliedBy(3);
        long deadline = System.nanoTime() + patience.toNanos();
        // A loss or a shutdown may interrupt this thread meanwhile; only Redis can say what happened,
        // and on a virtual thread an interrupt would close the socket of the question.
        boolean interrupted = false;
        try {
            for (Duration wait = RESOLVE_FIRST_WAIT; System.nanoTime() - deadline < 0;
                    wait = min(wait.multipliedBy(2), RESOLVE_LONGEST_WAIT)) {
                interrupted |= sleepThrough(wait);
                try {
                    Optional<String> holder = queue.holder(id());
                    if (holder.isEmpty()) {
                        log.info("{} entry {} is settled: handed on by this consumer, as far as Redis can tell",
                                queue.stream(), id());
                    } else if (!holder.get().equals(consumer)) {
                        throw lostWhileSettling("hand-off", "entry " + id() + " of " + queue.stream()
                                + " went to consumer " + holder.get() + " while Redis could not be reached");
                    } else {
                        handedOff(queue.handOff(consumer, id(), next, priority, output));
                    }
                    return;
                } catch (JedisConnectionException e) {
                    unanswered = e;
                } catch (JedisException e) {
                    throw new TransportException("could not learn whether the hand-off of " + queue.stream()
                            + " entry " + id() + " went through; it will be delivered again", e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        throw new TransportException("could not hand-off " + queue.stream() + " entry " + id() + ": Redis did not"
                + " answer for " + patience.toSeconds() + " s; it will be delivered again", unanswered);
    }

    /** A hand-off Redis ran: refused when this consumer no longer held the entry. */
    private void handedOff(boolean ran) {
        if (!ran) {
            throw lostWhileSettling("hand-off", "this consumer no longer holds entry " + id() + " of "
                    + queue.stream() + " (its lease ran out and another consumer took it over)");
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Sleeps for {@code wait} whatever interrupts come; true if one came. */
    private static boolean sleepThrough(Duration wait) {
        long end = System.nanoTime() + wait.toNanos();
        boolean interrupted = false;
        for (long left = wait.toNanos(); left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
            interrupted |= Thread.interrupted();
        }
        return interrupted;
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
