package io.hlsfleet.transport.redis;

import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.AbstractDelivery;
import io.hlsfleet.transport.ConsumerSkeleton;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.redis.StageQueue.Found;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Consumers of one stage, each a virtual thread with its own consumer name in the groups of the
 * stage's streams (one per priority), plus a keeper thread that renews the leases of deliveries in
 * hand, moves due retries onto the streams and removes the consumer names of killed workers.
 *
 * <p>A consumer first looks for entries abandoned by dead consumers (one of the worker's consumers
 * at most once per poll period), then reads a new one, each time in the streams from the highest
 * priority down and taking the first entry found; the read of all the streams is one script, one
 * round trip, as is the keeper's promotion of due retries. Reads do not block (see
 * {@link StageQueue#readNew}): while the streams are empty the free consumers take turns looking,
 * one look per fraction of the poll period ({@link IdleTurns}). Any Redis error (connection refused,
 * connection reset, a group lost with Redis's data) is met by backing off and trying again, so a
 * worker outlives a Redis restart, and starts before Redis does.
 */
final class RedisSubscription extends ConsumerSkeleton {

    private static final Logger log = LoggerFactory.getLogger(RedisSubscription.class);
    private static final Duration PROMOTE_INTERVAL = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration MAX_IDLE_PAUSE = Duration.ofMillis(250);
    /** How long a consumer that holds nothing may go unmarked by its worker before it counts as dead. */
    private static final int IDLE_CONSUMER_LEASES = 3;

    /** The stage's streams, highest priority first. */
    private final List<StageQueue> queues;
    /** Names the streams in logs. */
    private final String streams;
    private final Duration lease;
    private final Duration pollTimeout;
    /** Free consumers take turns looking while the streams are empty. */
    private final IdleTurns idle;
    /** When one of the consumers next scans for entries abandoned by dead consumers. */
    private final AtomicLong nextClaim = new AtomicLong(System.nanoTime());
    /** Where that scan goes on in each stream's pending entries. */
    private final Map<StageQueue, String> cursors = new ConcurrentHashMap<>();
    private final Consumer<RedisSubscription> onStopped;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<String> consumerNames = new ArrayList<>();
    private final List<Thread> consumers = new ArrayList<>();
    private final Thread keeper;

    RedisSubscription(List<StageQueue> queues, String instanceId, int concurrency, Transport.DeliveryHandler handler,
            Duration lease, Duration pollTimeout, Consumer<RedisSubscription> onStopped) {
        super(queues.getFirst().stage(), handler);
        this.queues = List.copyOf(queues);
        this.streams = String.join(", ", queues.stream().map(StageQueue::stream).toList());
        this.lease = lease;
        this.pollTimeout = pollTimeout;
        this.idle = new IdleTurns(pollTimeout.compareTo(MAX_IDLE_PAUSE) < 0 ? pollTimeout : MAX_IDLE_PAUSE);
        this.onStopped = onStopped;
        Stage stage = stage();
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
        Backoff backoff = new Backoff();
        while (running()) {
            try {
                if (!idle.awaitTurn()) {
                    continue;
                }
                Found found = Found.NOTHING;
                try {
                    found = look(consumer);
                } finally {
                    idle.looked(found.read().id() != null);
                }
                backoff.recovered(streams);
                if (found.read().message() != null) {
                    dispatch(new RedisDelivery(found.from(), consumer, found.read().message()));
                } else if (found.read().oversize() > 0) {
                    log.warn("dead-lettered entry {} of {} unread: its {} bytes are more than a job may have",
                            found.read().id(), found.from().stream(), found.read().oversize());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running()) {
                    return;
                }
                if (e instanceof JedisConnectionException) {
                    queues.getFirst().dropIdleConnections();
                }
                if (StageQueue.isNoGroup(e)) {
                    log.warn("a consumer group of {} is missing (Redis lost its data, or it was never made);"
                            + " creating it", streams);
                    cursors.clear();
                    recreateGroup(backoff, e);
                } else if (!backoff.pause(streams, e)) {
                    return;
                }
            }
        }
    }

    /** Entries abandoned by dead consumers when a scan is due, then new ones, highest priority first. */
    private Found look(String consumer) {
        Found found = claimAbandonedIfDue(consumer);
        return found.read().id() != null ? found : StageQueue.readNew(queues, consumer);
    }

    /** One of the worker's consumers scans at most once per poll period. */
    private Found claimAbandonedIfDue(String consumer) {
        long due = nextClaim.get();
        if (System.nanoTime() - due < 0 || !nextClaim.compareAndSet(due, System.nanoTime() + pollTimeout.toNanos())) {
            return Found.NOTHING;
        }
        for (StageQueue queue : queues) {
            StageQueue.Claim claim = queue.claimAbandoned(consumer, cursors.getOrDefault(queue, "-"));
            cursors.put(queue, claim.cursor());
            if (claim.read().id() != null) {
                // There may be more: the next free consumer scans again at once.
                nextClaim.set(System.nanoTime());
                return new Found(queue, claim.read());
            }
        }
        return Found.NOTHING;
    }

    private void recreateGroup(Backoff backoff, RuntimeException cause) {
        try {
            queues.forEach(StageQueue::ensureGroup);
        } catch (RuntimeException e) {
            e.addSuppressed(cause);
            backoff.pause(streams, e);
        }
    }

    private void keep() {
        Duration renewEvery = lease.dividedBy(3);
        Duration tick = renewEvery.compareTo(PROMOTE_INTERVAL) < 0 ? renewEvery : PROMOTE_INTERVAL;
        long nextRenew = System.nanoTime() + renewEvery.toNanos();
        long nextSweep = System.nanoTime() + lease.toNanos();
        boolean failing = false;
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
                    if (running()) {
                        queues.forEach(queue -> queue.heartbeat(consumerNames));
                    }
                }
                if (running()) {
                    StageQueue.promoteDue(queues, 100);
                }
                if (running() && System.nanoTime() - nextSweep >= 0) {
                    nextSweep = System.nanoTime() + lease.toNanos();
                    for (StageQueue queue : queues) {
                        long removed = queue.forgetIdleConsumers(lease.multipliedBy(IDLE_CONSUMER_LEASES));
                        if (removed > 0) {
                            log.info("removed {} consumer(s) of {} that held nothing and whose worker was silent for"
                                    + " {} s", removed, queue.stream(), lease.multipliedBy(IDLE_CONSUMER_LEASES).toSeconds());
                        }
                    }
                }
                if (failing) {
                    log.info("keeper of {} reaches Redis again", streams);
                    failing = false;
                }
            } catch (JedisException e) {
                // A job in hand whose lease cannot be renewed may be taken over: always worth a
                // warning. Otherwise an outage is told once; the consumers tell it too.
                if (!inFlight().isEmpty() || !failing) {
                    log.warn("lease renewal, retry promotion or consumer sweep on {} failed ({} job(s) in hand);"
                            + " trying again in {} ms: {}", streams, inFlight().size(), tick.toMillis(),
                            e.getMessage());
                } else {
                    log.debug("keeper of {} still cannot reach Redis", streams, e);
                }
                failing = true;
                loseLeasesThatRanOut();
            }
        }
    }

    private void renewLeases() {
        for (AbstractDelivery delivery : inFlight()) {
            RedisDelivery held = (RedisDelivery) delivery;
            if (!held.renew()) {
                held.lose("lost the lease on entry " + held.id() + " of " + held.stream()
                        + ": another consumer has taken it over");
            }
        }
    }

    /** Unrenewable for a whole lease (Redis unreachable): others may have claimed the entries by now. */
    private void loseLeasesThatRanOut() {
        for (AbstractDelivery delivery : inFlight()) {
            RedisDelivery held = (RedisDelivery) delivery;
            if (held.leaseRanOut(lease)) {
                held.lose("could not renew the lease on entry " + held.id() + " of " + held.stream() + " for "
                        + lease.toSeconds() + " s");
            }
        }
    }

    @Override
    protected void stopTaking(Duration grace) {
    }

    @Override
    protected void awaitConsumers() throws InterruptedException {
        Duration joinLimit = pollTimeout.plus(RedisTransport.BLOCKING_READ_MARGIN);
        for (Thread consumer : consumers) {
            consumer.join(joinLimit);
        }
    }

    @Override
    protected void stopped() {
        stopped.set(true);
        keeper.interrupt();
        forgetConsumers();
        onStopped.accept(this);
    }

    private void forgetConsumers() {
        boolean interrupted = Thread.interrupted();
        try {
            for (StageQueue queue : queues) {
                for (String name : consumerNames) {
                    queue.forgetConsumer(name);
                }
            }
        } catch (JedisException e) {
            log.debug("could not remove stopped consumers from {}", streams, e);
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
