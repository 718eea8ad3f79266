package io.hlsfleet.transport.redis;

import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.transport.TransportException;
import io.hlsfleet.webhook.UndeliveredWebhooks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Job events on Redis: one stream, {@code <prefix>:events}, each entry with the fields
 * {@value #TYPE} (the routing key, {@code published.upload}) and {@value #EVENT} (the JSON),
 * trimmed to about the newest {@code HLSFLEET_EVENTS_REDIS_MAX_LENGTH} entries. Subscribers read
 * it with {@code XREAD} from where they left off, or with a consumer group of their own.
 */
final class RedisEventBus implements EventBus {

    static final String TYPE = "type";
    static final String EVENT = "event";
    private static final Logger log = LoggerFactory.getLogger(RedisEventBus.class);
    private static final int READ_BLOCK_MILLIS = 1000;

    private final RedisClient redis;
    private final String stream;
    private final long maxLength;
    private final UndeliveredWebhooks undelivered;

    RedisEventBus(RedisClient redis, String stream, long maxLength, UndeliveredWebhooks undelivered) {
        this.redis = redis;
        this.stream = stream;
        this.maxLength = maxLength;
        this.undelivered = undelivered;
    }

    @Override
    public UndeliveredWebhooks undeliveredWebhooks() {
        return undelivered;
    }

    @Override
    public void publish(JobEvent event) {
        try {
            redis.xadd(stream, XAddParams.xAddParams().maxLen(maxLength).approximateTrimming(),
                    Map.of(TYPE, event.routingKey(), EVENT, JobCodec.toJson(event)));
        } catch (JedisException e) {
            throw new TransportException("Redis did not take the event for " + stream, e);
        }
    }

    @Override
    public void publishAll(List<JobEvent> events) {
        try (var pipeline = redis.pipelined()) {
            for (JobEvent event : events) {
                pipeline.xadd(stream, XAddParams.xAddParams().maxLen(maxLength).approximateTrimming(),
                        Map.of(TYPE, event.routingKey(), EVENT, JobCodec.toJson(event)));
            }
            pipeline.sync();
        } catch (JedisException e) {
            throw new TransportException("Redis did not take the events for " + stream, e);
        }
    }

    @Override
    public Feed follow(String pattern, Consumer<JobEvent> consumer) {
        AtomicBoolean open = new AtomicBoolean(true);
        StreamEntryID start;
        try {
            // From the newest entry as it is now: what is published from here on.
            List<StreamEntry> newest = redis.xrevrange(stream, (StreamEntryID) null, (StreamEntryID) null, 1);
            start = newest.isEmpty() ? new StreamEntryID(0, 0) : newest.getFirst().getID();
        } catch (JedisException e) {
            throw new TransportException("could not read " + stream, e);
        }
        Thread reader = Thread.ofVirtual().name("hlsfleet-events-" + stream).start(() -> {
            StreamEntryID last = start;
            while (open.get()) {
                try {
                    var read = redis.xread(XReadParams.xReadParams().block(READ_BLOCK_MILLIS).count(100),
                            Map.of(stream, last));
                    if (read == null) {
                        continue;
                    }
                    for (var entries : read) {
                        for (StreamEntry entry : entries.getValue()) {
                            last = entry.getID();
                            String type = entry.getFields().getOrDefault(TYPE, "");
                            if (open.get() && EventBus.matches(pattern, type)) {
                                try {
                                    deliver(entry, consumer);
                                } catch (RuntimeException e) {
                                    log.warn("the follower of {} failed on entry {}: {}", stream, entry.getID(),
                                            e.getMessage());
                                }
                            }
                        }
                    }
                } catch (JedisException e) {
                    if (!open.get()) {
                        return;
                    }
                    log.warn("reading {} failed, trying again in a second: {}", stream, e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        });
        return () -> {
            open.set(false);
            try {
                reader.join(READ_BLOCK_MILLIS * 3L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    @Override
    public Feed share(String group, List<String> patterns, int concurrency, Consumer<JobEvent> handler) {
        try {
            redis.xgroupCreate(stream, group, StreamEntryID.XGROUP_LAST_ENTRY, true);
        } catch (JedisDataException e) {
            if (!StageQueue.isBusyGroup(e)) {
                throw new TransportException("could not make the consumer group " + group + " of " + stream, e);
            }
        } catch (JedisException e) {
            throw new TransportException("could not make the consumer group " + group + " of " + stream, e);
        }
        return new SharedGroup(group, patterns, concurrency, handler);
    }

    /**
     * Members of one consumer group of the events stream in this process. An entry stays pending
     * while its handler runs; a keeper claims the entries in hand again every
     * {@link #RENEW_INTERVAL} so they never look abandoned, and a member looks every
     * {@link #CLAIM_INTERVAL} for entries that a dead process left pending for
     * {@link #ABANDONED_AFTER}, and takes them over. Reads do not block, so members hold no
     * pooled connection while idle.
     */
    private final class SharedGroup implements Feed {

        private static final Duration RENEW_INTERVAL = Duration.ofSeconds(10);
        private static final Duration ABANDONED_AFTER = Duration.ofSeconds(60);
        private static final Duration IDLE_PAUSE = Duration.ofMillis(250);
        private static final Duration CLAIM_INTERVAL = Duration.ofSeconds(5);

        private final String group;
        private final List<String> patterns;
        private final Consumer<JobEvent> handler;
        private final AtomicBoolean open = new AtomicBoolean(true);
        private final Map<StreamEntryID, String> inHand = new ConcurrentHashMap<>();
        private final List<Thread> threads = new ArrayList<>();

        SharedGroup(String group, List<String> patterns, int concurrency, Consumer<JobEvent> handler) {
            this.group = group;
            this.patterns = List.copyOf(patterns);
            this.handler = handler;
            String instance = ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
            for (int i = 0; i < concurrency; i++) {
                String consumer = group + "-" + instance + "-" + i;
                threads.add(Thread.ofVirtual().name("hlsfleet-" + group + "-", i).start(() -> consume(consumer)));
            }
            threads.add(Thread.ofVirtual().name("hlsfleet-" + group + "-keeper").start(this::keep));
        }

        private void consume(String consumer) {
            long nextClaim = System.nanoTime();
            while (open.get()) {
                try {
                    StreamEntry entry = null;
                    if (System.nanoTime() - nextClaim >= 0) {
                        entry = claimAbandoned(consumer);
                        if (entry == null) {
                            nextClaim = System.nanoTime() + CLAIM_INTERVAL.toNanos();
                        }
                    }
                    if (entry == null) {
                        entry = readNew(consumer);
                    }
                    if (entry == null) {
                        Thread.sleep(IDLE_PAUSE);
                    } else {
                        handle(consumer, entry);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (JedisException e) {
                    if (!open.get()) {
                        return;
                    }
                    log.warn("reading {} for {} failed, trying again in a second: {}", stream, group, e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }

        private StreamEntry claimAbandoned(String consumer) {
            var claimed = redis.xautoclaim(stream, group, consumer, ABANDONED_AFTER.toMillis(), new StreamEntryID(0, 0),
                    XAutoClaimParams.xAutoClaimParams().count(1));
            return claimed == null || claimed.getValue().isEmpty() ? null : claimed.getValue().getFirst();
        }

        private StreamEntry readNew(String consumer) {
            var read = redis.xreadGroup(group, consumer, XReadGroupParams.xReadGroupParams().count(1),
                    Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            if (read == null || read.isEmpty() || read.getFirst().getValue().isEmpty()) {
                return null;
            }
            return read.getFirst().getValue().getFirst();
        }

        /** Hands the entry over and acks it once the handler returned; an entry trimmed away is just acked. */
        private void handle(String consumer, StreamEntry entry) {
            Map<String, String> fields = entry.getFields();
            if (fields != null && EventBus.matchesAny(patterns, fields.getOrDefault(TYPE, ""))) {
                inHand.put(entry.getID(), consumer);
                try {
                    deliver(entry, handler);
                } catch (RuntimeException e) {
                    // Left pending: a member takes it over once it has been abandoned long enough.
                    log.debug("{} did not take entry {} of {}", group, entry.getID(), stream, e);
                    return;
                } finally {
                    inHand.remove(entry.getID());
                }
            }
            redis.xack(stream, group, entry.getID());
        }

        private void keep() {
            while (open.get()) {
                try {
                    Thread.sleep(RENEW_INTERVAL);
                    inHand.forEach((id, consumer) -> redis.xclaimJustId(stream, group, consumer, 0,
                            XClaimParams.xClaimParams(), id));
                } catch (InterruptedException e) {
                    return;
                } catch (JedisException e) {
                    log.warn("could not renew the {} entries of {} in hand: {}", group, stream, e.getMessage());
                }
            }
        }

        @Override
        public void close() {
            open.set(false);
            threads.forEach(Thread::interrupt);
            for (Thread thread : threads) {
                try {
                    thread.join(READ_BLOCK_MILLIS * 5L);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Hands the entry's event to {@code consumer}; an entry that is no job event is logged and skipped. */
    private void deliver(StreamEntry entry, Consumer<JobEvent> consumer) {
        JobEvent event;
        try {
            event = JobCodec.fromJson(entry.getFields().get(EVENT), JobEvent.class);
        } catch (RuntimeException e) {
            log.warn("skipped entry {} of {} that is not a job event: {}", entry.getID(), stream, e.getMessage());
            return;
        }
        consumer.accept(event);
    }
}
