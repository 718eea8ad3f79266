package io.hlsfleet.transport.redis;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.transport.Delivery;
import io.hlsfleet.transport.TransportException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A stream entry pending with one consumer. Every outcome is one script that first checks the
 * consumer still owns the entry, so a delivery whose lease was lost cannot settle the work of the
 * consumer that took it over.
 */
final class RedisDelivery implements Delivery {

    private static final Logger log = LoggerFactory.getLogger(RedisDelivery.class);

    private final StageQueue queue;
    private final String consumer;
    private final String id;
    private final Job job;
    private final int deliveryCount;
    private final Thread worker;
    private final AtomicBoolean settled = new AtomicBoolean();

    RedisDelivery(StageQueue queue, String consumer, String id, Job job, int deliveryCount, Thread worker) {
        this.queue = queue;
        this.consumer = consumer;
        this.id = id;
        this.job = job;
        this.deliveryCount = deliveryCount;
        this.worker = worker;
    }

    @Override
    public Job job() {
        return job;
    }

    @Override
    public int deliveryCount() {
        return deliveryCount;
    }

    Thread worker() {
        return worker;
    }

    boolean settled() {
        return settled.get();
    }

    @Override
    public void ack() {
        settle("ack", () -> queue.ack(consumer, id));
    }

    @Override
    public void retryLater(Job retry, Duration delay) {
        byte[] body = JobCodec.encode(retry);
        settle("retry", () -> queue.retryLater(consumer, id, body, delay));
    }

    @Override
    public void deadLetter(DeadLetter deadLetter) {
        byte[] body = JobCodec.encode(deadLetter);
        settle("dead-letter", () -> queue.deadLetter(consumer, id, body));
    }

    @Override
    public void release() {
        settle("release", () -> queue.release(consumer, id));
    }

    /**
     * Renews the lease while the handler runs.
     *
     * @return false once another consumer has taken the entry over
     */
    boolean renew() {
        return settled.get() || queue.renew(consumer, id);
    }

    /**
     * Runs one settling script. A worker being shut down is interrupted, yet must still record its
     * outcome, and an interrupted virtual thread cannot use a socket; so the interrupt is set
     * aside for the call and restored after it.
     */
    private void settle(String outcome, BooleanSupplier script) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            if (!script.getAsBoolean()) {
                log.warn("{} of {} entry {} (job {}) dropped: this consumer no longer holds it (its lease ran out"
                        + " and another consumer took it over, or an interrupted call went through)",
                        outcome, queue.stream(), id, job.jobId());
            }
        } catch (JedisException e) {
            settled.set(false);
            throw new TransportException("could not " + outcome + " " + queue.stream() + " entry " + id
                    + " on Redis; it will be delivered again", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
