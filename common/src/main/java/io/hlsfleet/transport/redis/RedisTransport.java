package io.hlsfleet.transport.redis;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.events.EventBus;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.QueueStats;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.TransportException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The fleet's queues on Redis: one stream per stage and {@linkplain Priority priority}, each
 * consumed by one consumer group; a consumer reads the highest-priority stream that holds an entry.
 *
 * <p><b>Why streams and not lists.</b> A reliable list queue (BLMOVE into a processing list) needs
 * everything a broker would give for free to be built beside it: a lease key per message, a
 * delivery counter per message, and a reaper that scans processing lists for expired leases and
 * moves their messages back, racing the workers that are still finishing them. A stream with a
 * consumer group keeps that state in Redis itself: the pending entries list records which consumer
 * holds each entry, since when, and how often it was delivered. So:
 * <ul>
 *   <li>Redelivery after a crash: a consumer that dies keeps its entries pending; once an entry has
 *       sat idle for a lease, any live consumer takes it over with XAUTOCLAIM.</li>
 *   <li>Long jobs: while a handler runs, a keeper thread renews the lease every third of it (an
 *       XCLAIM of the entry to its own consumer with JUSTID, which resets the idle time without
 *       counting a delivery), so a three-hour encode is never taken from a live worker.</li>
 *   <li>Delivery count: Redis counts deliveries per entry; XAUTOCLAIM adds one per takeover.</li>
 *   <li>Every settlement is one Lua script that first checks the consumer still owns the entry,
 *       then acks it and deletes it (the stream holds only what is waiting or in hand), adding the
 *       retry to the stage's delayed set or the dead letter to its dead-letter list in the same
 *       step. Releasing hands the entry to a placeholder consumer with a long idle time, so the
 *       next claim takes it at once, its delivery count kept.</li>
 *   <li>Delayed retries wait in a sorted set scored by when they are due on the server's clock;
 *       each subscription's keeper moves due ones onto the stream with a script.</li>
 * </ul>
 * Key names are in {@link RedisKeys}. The intake is the download stream; any tool can queue a
 * video with
 * <pre>{@code redis-cli XADD hlsfleet:download '*' body https://example.com/video.mp4}</pre>
 * (or a JSON job as the body). A body that is not a job is dead-lettered with the reason and never
 * reaches the handler. Needs Redis 6.2 or newer, standalone or behind Sentinel (the scripts touch
 * several keys of one stage, which Redis Cluster would spread over slots).
 *
 * <p><b>Connections.</b> Consumers use a pool of their own that grows with each subscription by
 * one connection per consumer and one for its keeper, so settling and lease renewal never wait
 * behind publishers; publishing and status share a small second pool. Blocking reads are bounded by the poll
 * timeout and the socket timeout of a blocking read lies above it, so no thread waits forever on a
 * cut connection; consumers back off and retry on any Redis error, and create the group again if
 * Redis lost it, so workers outlive a Redis restart.
 *
 * <p>{@link #publish} returns once Redis has the entry; how durable that is depends on the
 * server's persistence settings (AOF with {@code appendfsync everysec} or stricter for a fleet).
 */
public final class RedisTransport implements Transport, QueueStats {

    private static final Logger log = LoggerFactory.getLogger(RedisTransport.class);
    /** How far the socket timeout of a blocking read lies above the read's own timeout. */
    static final Duration BLOCKING_READ_MARGIN = Duration.ofSeconds(5);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final int SHARED_CONNECTIONS = 8;

    private final Settings settings;
    private final RedisKeys keys;
    private final RedisClient redis;
    private final RedisClient consumerRedis;
    private final Map<Stage, Map<Priority, StageQueue>> queues = new EnumMap<>(Stage.class);
    private final Set<RedisSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final String instanceId;
    private final AtomicInteger subscriptionCount = new AtomicInteger();
    private final AtomicInteger consumerPoolSize = new AtomicInteger(1);
    private final EventBus events;

    /**
     * @param url {@code redis://[user:password@]host:port[/db]} or {@code rediss://…}
     * @param keyPrefix prefix of every key; {@code hlsfleet} in a fleet, another one to isolate tests
     * @param lease how long a consumer may go without renewing an entry before others take it over
     * @param pollTimeout how often a consumer looks for abandoned entries; an idle consumer looks
     *     for new ones at least every quarter second, or this often if shorter
     * @param deadLetterCap how many dead letters each stage keeps, the newest; 0 keeps all
     */
    public record Settings(String url, String keyPrefix, Duration lease, Duration pollTimeout, int deadLetterCap,
            long eventsMaxLength) {

        public static final int DEFAULT_DEAD_LETTER_CAP = 10_000;
        public static final long DEFAULT_EVENTS_MAX_LENGTH = 100_000;

        public Settings(String url, String keyPrefix, Duration lease, Duration pollTimeout, int deadLetterCap) {
            this(url, keyPrefix, lease, pollTimeout, deadLetterCap, DEFAULT_EVENTS_MAX_LENGTH);
        }

        public Settings(String url, String keyPrefix, Duration lease, Duration pollTimeout) {
            this(url, keyPrefix, lease, pollTimeout, DEFAULT_DEAD_LETTER_CAP);
        }

        public Settings {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (lease.compareTo(Duration.ofMillis(300)) < 0) {
                throw new IllegalArgumentException("the lease must be at least 300 ms");
            }
            if (pollTimeout.compareTo(Duration.ofMillis(10)) < 0) {
                throw new IllegalArgumentException("the poll timeout must be at least 10 ms");
            }
            if (deadLetterCap < 0) {
                throw new IllegalArgumentException("the dead-letter cap must be 0 (no cap) or more");
            }
            if (eventsMaxLength < 1) {
                throw new IllegalArgumentException("the events stream must keep at least one entry");
            }
        }

        public static Settings defaults(String url) {
            return new Settings(url, "hlsfleet", Duration.ofSeconds(60), Duration.ofSeconds(2));
        }
    }

    public RedisTransport(Settings settings) {
        this.settings = settings;
        this.keys = new RedisKeys(settings.keyPrefix());
        this.instanceId = settings.keyPrefix() + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        this.redis = connect(settings, SHARED_CONNECTIONS);
        this.consumerRedis = connect(settings, consumerPoolSize.get());
        for (Stage stage : Stage.values()) {
            Map<Priority, StageQueue> byPriority = new EnumMap<>(Priority.class);
            stageQueues(redis, stage).forEach(queue -> byPriority.put(queue.priority(), queue));
            queues.put(stage, byPriority);
        }
        this.events = new RedisEventBus(redis, keys.events(), settings.eventsMaxLength(),
                new RedisUndeliveredWebhooks(redis, keys.undeliveredWebhooks(), settings.deadLetterCap()));
        try {
            queues.values().forEach(byPriority -> byPriority.values().forEach(StageQueue::ensureGroup));
        } catch (JedisException e) {
            // Consumers create the groups themselves once Redis answers.
            log.warn("Redis at {} is not reachable yet ({}); consumers wait for it", RedisUrl.redacted(settings.url()),
                    e.getMessage());
        }
    }

    /** The stage's streams, highest priority first: the order consumers read them in. */
    private List<StageQueue> stageQueues(RedisClient client, Stage stage) {
        return Arrays.stream(Priority.values())
                .map(priority -> new StageQueue(client, keys, stage, priority, settings.lease(), settings.deadLetterCap()))
                .toList();
    }

    private StageQueue queue(Stage stage, Priority priority) {
        return queues.get(stage).get(priority);
    }

    /** The normal stream, which also names the stage's dead-letter list, shared by all priorities. */
    private StageQueue normal(Stage stage) {
        return queue(stage, Priority.NORMAL);
    }

    public static RedisTransport connect(FleetConfig config) {
        Settings defaults = Settings.defaults(config.redisUrl());
        return new RedisTransport(new Settings(defaults.url(), defaults.keyPrefix(), config.redisLease(),
                defaults.pollTimeout(), config.redisDeadLetterCap(), config.eventsMaxLength()));
    }

    private static RedisClient connect(Settings settings, int poolSize) {
        RedisUrl url = RedisUrl.parse(settings.url());
        DefaultJedisClientConfig.Builder client = url.clientConfig()
                .connectionTimeoutMillis((int) CONNECT_TIMEOUT.toMillis())
                .socketTimeoutMillis((int) SOCKET_TIMEOUT.toMillis())
                // Jedis waits on a blocking command with this timeout instead of the one above;
                // left at 0 it would wait forever on a connection cut without a reset.
                .blockingSocketTimeoutMillis((int) settings.pollTimeout().plus(BLOCKING_READ_MARGIN).toMillis())
                .clientName(settings.keyPrefix() + "-" + ProcessHandle.current().pid());
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMaxWait(SOCKET_TIMEOUT);
        return RedisClient.builder()
                .hostAndPort(url.hostAndPort())
                .clientConfig(client.build())
                .poolConfig(pool)
                .build();
    }

    /** The stream of {@code stage}: where {@code redis-cli XADD} queues work for it. */
    public String streamKey(Stage stage) {
        return keys.stream(stage);
    }

    /** The stream of {@code stage} for jobs of {@code priority}. */
    public String streamKey(Stage stage, Priority priority) {
        return keys.stream(stage, priority);
    }

    public String deadLetterKey(Stage stage) {
        return keys.dead(stage);
    }

    public String delayedKey(Stage stage) {
        return keys.delayed(stage);
    }

    @Override
    public EventBus events() {
        return events;
    }

    /** The stream of the fleet's job events. */
    public String eventsKey() {
        return keys.events();
    }

    @Override
    public void publish(Stage stage, Job job) {
        add(queue(stage, job.priority()), JobCodec.encode(job));
    }

    /** One pipeline per priority: Redis has every entry once the last reply is read. */
    @Override
    public void publishAll(Stage stage, List<Job> jobs) {
        for (Priority priority : Priority.values()) {
            List<byte[]> bodies = jobs.stream().filter(job -> job.priority() == priority).map(JobCodec::encode).toList();
            if (bodies.isEmpty()) {
                continue;
            }
            try {
                queue(stage, priority).addAll(bodies);
            } catch (JedisException e) {
                throw new TransportException("Redis did not take " + bodies.size() + " messages for "
                        + keys.stream(stage, priority), e);
            }
        }
    }

    /** On the normal stream, as a tool writing to the intake would; a job body keeps its own priority from there on. */
    @Override
    public void publishRaw(Stage stage, byte[] body) {
        add(normal(stage), body);
    }

    private static void add(StageQueue queue, byte[] body) {
        try {
            queue.add(body);
        } catch (JedisException e) {
            throw new TransportException("Redis did not take the message for " + queue.stream(), e);
        }
    }

    @Override
    public Subscription subscribe(Stage stage, int concurrency, DeliveryHandler handler) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        // Grown before the consumers start, so none of them waits for a connection.
        resizeConsumerPool(consumerPoolSize.addAndGet(RedisSubscription.connections(concurrency)));
        RedisSubscription subscription = new RedisSubscription(
                stageQueues(consumerRedis, stage),
                instanceId + "-" + stage.id() + "-" + subscriptionCount.incrementAndGet(), concurrency, handler,
                settings.lease(), settings.pollTimeout(), this::stopped);
        subscriptions.add(subscription);
        return subscription;
    }

    private void stopped(RedisSubscription subscription) {
        if (subscriptions.remove(subscription)) {
            resizeConsumerPool(consumerPoolSize.addAndGet(-subscription.connections()));
        }
    }

    /**
     * One connection per consumer thread and one per keeper, apart from the shared pool: a consumer
     * never waits for a connection to settle, nor a keeper to renew a lease, however busy the
     * publishers are.
     */
    private void resizeConsumerPool(int size) {
        consumerRedis.getPool().setMaxTotal(size);
        consumerRedis.getPool().setMaxIdle(size);
    }

    @Override
    public Map<Stage, Long> queueDepths() {
        Map<Stage, Long> depths = new EnumMap<>(Stage.class);
        snapshot().forEach((stage, snapshot) -> depths.put(stage, snapshot.ready()));
        return depths;
    }

    /**
     * Ready, unacked, dead letters and the oldest waiting entry's age, all from Redis itself; the
     * counts of a stage add up its streams of every priority.
     */
    @Override
    public Map<Stage, Snapshot> snapshot() {
        Map<Stage, Snapshot> snapshots = new EnumMap<>(Stage.class);
        try {
            queues.forEach((stage, byPriority) -> {
                long ready = 0;
                long unacked = 0;
                long dead = 0;
                Instant oldest = null;
                for (StageQueue queue : byPriority.values()) {
                    Snapshot one = queue.stats();
                    ready += one.ready();
                    unacked += one.unacked();
                    dead = one.deadLetters();
                    if (one.oldestQueuedAt() != null && (oldest == null || one.oldestQueuedAt().isBefore(oldest))) {
                        oldest = one.oldestQueuedAt();
                    }
                }
                snapshots.put(stage, new Snapshot(ready, unacked, dead, oldest));
            });
        } catch (JedisException e) {
            throw new TransportException("cannot read queue statistics from Redis", e);
        }
        return snapshots;
    }

    @Override
    public List<DeadLetter> deadLetters(Stage stage, int limit) {
        List<DeadLetter> letters = new ArrayList<>();
        for (String raw : readDeadLetters(stage, limit)) {
            letters.add(decodeDeadLetter(stage, raw));
        }
        return letters;
    }

    private List<String> readDeadLetters(Stage stage, int limit) {
        try {
            return normal(stage).deadLetters(limit);
        } catch (JedisException e) {
            throw new TransportException("cannot read " + keys.dead(stage), e);
        }
    }

    /** A dead letter as stored, or, if something else was pushed onto the list, a letter saying so. */
    private static DeadLetter decodeDeadLetter(Stage stage, String raw) {
        try {
            return JobCodec.decodeDeadLetter(raw.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return DeadLetter.unreadable(stage, raw, e);
        }
    }

    @Override
    public int requeueDeadLetters(Stage stage, List<String> jobIds) {
        return takeDeadLetters(stage, "requeueing", letter -> jobIds.isEmpty() || jobIds.contains(letter.jobId()),
                (raw, letter) -> queue(stage, letter.job().priority())
                        .requeue(raw, JobCodec.encode(letter.job().firstAttempt())));
    }

    @Override
    public int removeDeadLetters(Stage stage, List<String> jobIds) {
        StageQueue queue = normal(stage);
        return takeDeadLetters(stage, "removing", letter -> jobIds.contains(letter.jobId()),
                (raw, letter) -> queue.removeDeadLetter(raw));
    }

    /** Applies {@code take} to each wanted dead letter of a job; returns how many it took. */
    private int takeDeadLetters(Stage stage, String what, Predicate<DeadLetter> wanted,
            BiPredicate<String, DeadLetter> take) {
        int taken = 0;
        try {
            for (String raw : normal(stage).deadLetters(Integer.MAX_VALUE)) {
                DeadLetter letter = decodeDeadLetter(stage, raw);
                if (letter.job() != null && wanted.test(letter) && take.test(raw, letter)) {
                    taken++;
                }
            }
        } catch (JedisException e) {
            throw new TransportException(what + " from " + keys.dead(stage) + " failed after " + taken, e);
        }
        return taken;
    }

    @Override
    public int purgeDeadLetters(Stage stage) {
        try {
            return normal(stage).purgeDeadLetters();
        } catch (JedisException e) {
            throw new TransportException("cannot purge " + keys.dead(stage), e);
        }
    }

    @Override
    public void close() {
        List<Thread> stopping = new ArrayList<>();
        for (RedisSubscription subscription : subscriptions) {
            stopping.add(Thread.ofVirtual().start(() -> subscription.stop(Duration.ZERO)));
        }
        try {
            for (Thread thread : stopping) {
                thread.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while stopping Redis consumers");
        } finally {
            redis.close();
            consumerRedis.close();
        }
    }
}
