package io.hlsfleet.transport.redis;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Consumers of one stage, each a virtual thread with its own consumer name in the group, plus a
 * keeper thread that renews the leases of deliveries in hand and moves due retries onto the stream.
 *
 * <p>A consumer first looks for entries abandoned by dead consumers (at most once per poll
 * period), then blocks on new ones for the poll timeout. Any Redis error (connection refused,
 * connection reset, a group lost with Redis's data) is met by backing off and trying again, so a
 * worker outlives a Redis restart.
 */
final class RedisSubscription implements Transport.Subscription {

    private static final Logger log = LoggerFactory.getLogger(RedisSubscription.class);
    private static final Duration PROMOTE_INTERVAL = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final StageQueue queue;
    private final Transport.DeliveryHandler handler;
    private final Duration lease;
    private final Duration pollTimeout;
    private final Consumer<RedisSubscription> onStopped;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<String> consumerNames = new ArrayList<>();
    private final List<Thread> consumers = new ArrayList<>();
    private final Set<RedisDelivery> inFlight = ConcurrentHashMap.newKeySet();
    private final Thread keeper;

    RedisSubscription(StageQueue queue, String instanceId, int concurrency, Transport.DeliveryHandler handler,
            Duration lease, Duration pollTimeout, Consumer<RedisSubscription> onStopped) {
        this.queue = queue;
        this.handler = handler;
        this.lease = lease;
        this.pollTimeout = pollTimeout;
        this.onStopped = onStopped;
        Stage stage = queue.stage();
        for (int i = 0; i < concurrency; i++) {
            String name = instanceId + "-" + i;
            consumerNames.add(name);
            consumers.add(Thread.ofVirtual().name("hlsfleet-" + stage.id() + "-", i).start(() -> consume(name)));
        }
        keeper = Thread.ofVirtual().name("hlsfleet-" + stage.id() + "-keeper").start(this::keep);
    }

    /** Connections a subscription holds at most: one per consumer, one for the keeper. */
    static int connections(int concurrency) {
        return concurrency + 1;
    }

    int connections() {
        return connections(consumers.size());
    }

    private void consume(String consumer) {
        String cursor = "0-0";
        long nextClaim = System.nanoTime();
        Backoff backoff = new Backoff();
        while (running.get()) {
            try {
                StageQueue.RedisMessage message = null;
                if (System.nanoTime() - nextClaim >= 0) {
                    StageQueue.Claim claim = queue.claimAbandoned(consumer, cursor);
                    cursor = claim.cursor();
                    message = claim.message();
                    if (message == null) {
                        nextClaim = System.nanoTime() + pollTimeout.toNanos();
                    }
                }
                if (message == null) {
                    message = queue.readNew(consumer, pollTimeout);
                }
                backoff.recovered(queue.stream());
                if (message != null) {
                    dispatch(consumer, message);
                }
            } catch (RuntimeException e) {
                if (!running.get()) {
                    return;
                }
                if (e instanceof JedisConnectionException) {
                    queue.dropIdleConnections();
                }
                if (StageQueue.isNoGroup(e)) {
                    log.warn("consumer group of {} is missing (Redis lost its data?); creating it again", queue.stream());
                    cursor = "0-0";
                    recreateGroup(backoff, e);
                } else if (!backoff.pause(queue.stream(), e)) {
                    return;
                }
            }
        }
    }

    private void recreateGroup(Backoff backoff, RuntimeException cause) {
        try {
            queue.ensureGroup();
        } catch (RuntimeException e) {
            e.addSuppressed(cause);
            backoff.pause(queue.stream(), e);
        }
    }

    private void dispatch(String consumer, StageQueue.RedisMessage message) {
        if (!running.get()) {
            queue.release(consumer, message.id());
            return;
        }
        Job job;
        try {
            if (message.body() == null) {
                throw new JobCodec.MalformedJobException("stream entry has no '" + RedisKeys.BODY + "' field");
            }
            job = JobCodec.decode(message.body().getBytes(StandardCharsets.UTF_8), queue.stage());
        } catch (JobCodec.MalformedJobException e) {
            String raw = message.body() == null ? message.fields().toString() : message.body();
            log.warn("dead-lettering malformed entry {} on {}: {}", message.id(), queue.stream(), e.getMessage());
            queue.deadLetter(consumer, message.id(),
                    JobCodec.encode(DeadLetter.unreadable(queue.stage(), raw, e)));
            return;
        }
        RedisDelivery delivery = new RedisDelivery(queue, consumer, message.id(), job, message.deliveryCount(),
                Thread.currentThread());
        inFlight.add(delivery);
        try {
            handler.handle(delivery);
        } catch (RuntimeException e) {
            log.error("handler for {} failed without settling job {}; giving it back", queue.stream(),
                    job.jobId(), e);
        } finally {
            inFlight.remove(delivery);
            giveBack(delivery);
        }
    }

    /** Releases a delivery its handler left unsettled, as a broker does when a consumer goes away. */
    private static void giveBack(RedisDelivery delivery) {
        if (delivery.settled()) {
            return;
        }
        try {
            delivery.release();
        } catch (RuntimeException e) {
            log.warn("could not give job {} back; it returns once its lease runs out", delivery.job().jobId(), e);
        }
    }

    private void keep() {
        Duration renewEvery = lease.dividedBy(3);
        Duration tick = renewEvery.compareTo(PROMOTE_INTERVAL) < 0 ? renewEvery : PROMOTE_INTERVAL;
        long nextRenew = System.nanoTime() + renewEvery.toNanos();
        while (!stopped.get()) {
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                if (System.nanoTime() - nextRenew >= 0) {
                    nextRenew = System.nanoTime() + renewEvery.toNanos();
                    renewLeases();
                }
                if (running.get()) {
                    queue.promoteDue(100);
                }
            } catch (JedisException e) {
                log.debug("lease renewal or retry promotion on {} failed; trying again", queue.stream(), e);
            }
        }
    }

    private void renewLeases() {
        for (RedisDelivery delivery : inFlight) {
            if (!delivery.renew()) {
                log.warn("lost the lease on job {} of {}: another consumer has taken it over",
                        delivery.job().jobId(), queue.stream());
            }
        }
    }

    @Override
    public void stop(Duration grace) {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            while (!inFlight.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            inFlight.forEach(delivery -> delivery.worker().interrupt());
            Duration joinLimit = pollTimeout.plus(RedisTransport.BLOCKING_READ_MARGIN);
            for (Thread consumer : consumers) {
                consumer.join(joinLimit);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.forEach(RedisSubscription::giveBack);
            stopped.set(true);
            keeper.interrupt();
            forgetConsumers();
            onStopped.accept(this);
        }
    }

    private void forgetConsumers() {
        boolean interrupted = Thread.interrupted();
        try {
            for (String name : consumerNames) {
                queue.forgetConsumer(name);
            }
        } catch (JedisException e) {
            log.debug("could not remove stopped consumers from {}", queue.stream(), e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Exponential backoff with jitter while Redis cannot be reached; logs an outage once. */
    private static final class Backoff {

        private long delayMillis;
        private boolean failing;

        /** Waits before the next attempt; false if interrupted (the interrupt is kept). */
        boolean pause(String stream, RuntimeException error) {
            if (!failing) {
                log.warn("Redis unavailable for {} ({}); retrying with backoff", stream, error.getMessage());
                failing = true;
            } else {
                log.debug("Redis still unavailable for {}", stream, error);
            }
            delayMillis = delayMillis == 0 ? 100 : Math.min(delayMillis * 2, MAX_BACKOFF.toMillis());
            try {
                Thread.sleep(delayMillis / 2 + ThreadLocalRandom.current().nextLong(delayMillis / 2 + 1));
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        void recovered(String stream) {
            if (failing) {
                log.info("Redis reachable again for {}", stream);
                failing = false;
            }
            delayMillis = 0;
        }
    }
}
