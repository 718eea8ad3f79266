package io.hlsfleet.transport.redis;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.QueueStats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAddParams;

/**
 * One stage's stream of one priority, its delayed set, and the stage's dead-letter list, as the
 * operations the transport needs.
 */
final class StageQueue {

    /** The consumer that holds released entries until any live consumer claims them. */
    static final String RELEASED = "released";
    /** Idle time given to a released entry: longer than any lease, so the next claim takes it. */
    private static final long RELEASED_IDLE_MILLIS = Duration.ofDays(365).toMillis();

    private final RedisClient redis;
    private final Stage stage;
    private final Priority priority;
    private final String stream;
    private final String delayed;
    private final String dead;
    private final String alive;
    private final RedisKeys keys;
    private final long leaseMillis;
    private final int deadLetterCap;

    StageQueue(RedisClient redis, RedisKeys keys, Stage stage, Priority priority, Duration lease, int deadLetterCap) {
        this.redis = redis;
        this.keys = keys;
        this.stage = stage;
        this.priority = priority;
        this.stream = keys.stream(stage, priority);
        this.delayed = keys.delayed(stage, priority);
        this.dead = keys.dead(stage);
        this.alive = keys.alive(stage, priority);
        this.leaseMillis = lease.toMillis();
        this.deadLetterCap = deadLetterCap;
    }

    Stage stage() {
        return stage;
    }

    Priority priority() {
        return priority;
    }

    String stream() {
        return stream;
    }

    /**
     * Creates the consumer group if it is missing: at start, and again after Redis lost its data.
     * It starts at the beginning of the stream, so entries added before any worker ran (or while
     * the group was gone) are delivered too.
     */
    void ensureGroup() {
        try {
            onLiveConnection(() -> redis.xgroupCreate(stream, RedisKeys.GROUP, new StreamEntryID(0, 0), true));
        } catch (JedisDataException e) {
            if (!isBusyGroup(e)) {
                throw e;
            }
        }
    }

    static boolean isBusyGroup(JedisDataException e) {
        return e.getMessage() != null && e.getMessage().startsWith("BUSYGROUP");
    }

    /** The group is gone: Redis lost its data, or the stream was deleted while a read waited on it. */
    static boolean isNoGroup(Exception e) {
        return e instanceof JedisDataException && e.getMessage() != null
                && (e.getMessage().contains("NOGROUP") || e.getMessage().startsWith("UNBLOCKED"));
    }

    void add(byte[] body) {
        onLiveConnection(() -> redis.xadd(stream.getBytes(StandardCharsets.UTF_8), XAddParams.xAddParams(),
                Map.of(RedisKeys.BODY.getBytes(StandardCharsets.UTF_8), body)));
    }

    /** Adds every body as an entry, in order, in one pipeline. */
    void addAll(List<byte[]> bodies) {
        byte[] key = stream.getBytes(StandardCharsets.UTF_8);
        byte[] field = RedisKeys.BODY.getBytes(StandardCharsets.UTF_8);
        try (var pipeline = redis.pipelined()) {
            for (byte[] body : bodies) {
                pipeline.xadd(key, XAddParams.xAddParams(), Map.of(field, body));
            }
            pipeline.sync();
        }
    }

    /**
     * The next never-delivered entry of the first of {@code queues} (one stage's streams, highest
     * priority first) that has one, in one round trip; {@link Found#NOTHING} if none has one now.
     * The read does not block: a blocking read would load an entry of any size into this process
     * before it could be checked.
     */
    static Found readNew(List<StageQueue> queues, String consumer) {
        StageQueue first = queues.getFirst();
        List<?> reply = (List<?>) first.eval(RedisScripts.READ, queues.stream().map(StageQueue::stream).toList(),
                List.of(RedisKeys.GROUP, consumer, Integer.toString(JobCodec.MAX_BODY)));
        if (reply == null) {
            return Found.NOTHING;
        }
        StageQueue from = queues.get((int) number(reply.getLast()) - 1);
        return new Found(from, from.handOver(consumer, reply));
    }

    /**
     * Takes over one entry whose consumer stopped renewing it for a lease, scanning the pending
     * entries from {@code cursor} ({@code "-"} for the start).
     */
    Claim claimAbandoned(String consumer, String cursor) {
        List<?> reply = (List<?>) eval(RedisScripts.CLAIM, List.of(stream),
                List.of(RedisKeys.GROUP, consumer, Integer.toString(JobCodec.MAX_BODY), Long.toString(leaseMillis),
                        cursor));
        return switch (text(reply.getFirst())) {
            case "none" -> new Claim("-", Read.NOTHING);
            case "gone" -> new Claim(text(reply.get(1)), Read.NOTHING);
            default -> new Claim(text(reply.getLast()), handOver(consumer, reply));
        };
    }

    /** The entry a read or claim gave this consumer; one too large to read is dead-lettered unread here. */
    private Read handOver(String consumer, List<?> reply) {
        Read read = read(reply);
        if (read.oversize() > 0) {
            deadLetterUnread(consumer, read.id(), read.oversize());
        }
        return read;
    }

    /**
     * Dead-letters an entry of more than {@link JobCodec#MAX_BODY} bytes without loading it: Redis
     * puts the start of its body into the letter. Should this fail, the entry stays pending and
     * the next claim of it tries again.
     */
    private void deadLetterUnread(String consumer, String id, long size) {
        String letter = JobCodec.toJson(new DeadLetter(null, RedisScripts.RAW, stage, 1,
                JobCodec.MalformedJobException.class.getName(), "malformed message: stream entry of "
                        + size + " bytes is larger than " + JobCodec.MAX_BODY + " and was not read",
                Instant.now()));
        owned(RedisScripts.DEAD_LETTER_UNREAD, List.of(stream, dead), consumer, id, letter,
                Integer.toString(DeadLetter.RAW_BODY_LIMIT), Integer.toString(deadLetterCap));
    }

    private static Read read(List<?> reply) {
        String id = text(reply.get(1));
        if (text(reply.getFirst()).equals("oversize")) {
            return new Read(null, id, number(reply.get(2)));
        }
        List<?> flat = (List<?>) reply.get(3);
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put(text(flat.get(i)), text(flat.get(i + 1)));
        }
        return new Read(new RedisMessage(id, fields, (int) number(reply.get(2))), id, 0);
    }

    boolean renew(String consumer, String id) {
        return owned(RedisScripts.RENEW, List.of(stream), consumer, id);
    }

    boolean ack(String consumer, String id) {
        return owned(RedisScripts.ACK, List.of(stream), consumer, id);
    }

    boolean retryLater(String consumer, String id, byte[] body, Duration delay) {
        return owned(RedisScripts.RETRY_LATER, List.of(stream, delayed), consumer, id,
                Long.toString(Math.max(0, delay.toMillis())), new String(body, StandardCharsets.UTF_8),
                UUID.randomUUID().toString());
    }

    /**
     * Runs the hand-off once, never again on a connection error: a hand-off that ran but lost its
     * reply would find the entry settled and answer "not held", and the caller would then remove
     * outputs the next stage reads. A caller whose call failed asks {@link #holder} instead.
     */
    boolean handOff(String consumer, String id, Stage next, Priority nextPriority, byte[] output) {
        List<String> args = List.of(RedisKeys.GROUP, consumer, id, new String(output, StandardCharsets.UTF_8));
        return number(redis.eval(RedisScripts.HAND_OFF, List.of(stream, keys.stream(next, nextPriority)), args)) == 1;
    }

    /** The consumer entry {@code id} is pending with, or empty when it is settled. */
    Optional<String> holder(String id) {
        Object holder = eval(RedisScripts.HOLDER, List.of(stream), List.of(RedisKeys.GROUP, id));
        return Optional.ofNullable(holder).map(StageQueue::text);
    }

    /** How long an entry stays with a consumer that stopped renewing it. */
    Duration lease() {
        return Duration.ofMillis(leaseMillis);
    }

    boolean deadLetter(String consumer, String id, byte[] deadLetter) {
        return owned(RedisScripts.DEAD_LETTER, List.of(stream, dead), consumer, id,
                new String(deadLetter, StandardCharsets.UTF_8), Integer.toString(deadLetterCap));
    }

    /** A graceful release: the job goes back carrying {@code counted} deliveries, not one more. */
    boolean release(String consumer, String id, int counted) {
        return owned(RedisScripts.RELEASE, List.of(stream), consumer, id, Integer.toString(counted));
    }

    /** Gives an entry back to be claimed at once, its delivery counted. */
    boolean abandon(String consumer, String id) {
        return owned(RedisScripts.ABANDON, List.of(stream), consumer, id, RELEASED,
                Long.toString(RELEASED_IDLE_MILLIS));
    }

    /** Moves up to {@code limit} retries per stream whose time has come onto it, in one round trip; returns how many. */
    static long promoteDue(List<StageQueue> queues, int limit) {
        List<String> keys = new ArrayList<>();
        for (StageQueue queue : queues) {
            keys.add(queue.delayed);
            keys.add(queue.stream);
        }
        return number(queues.getFirst().eval(RedisScripts.PROMOTE_DUE, keys, List.of(Integer.toString(limit))));
    }

    QueueStats.Snapshot stats() {
        List<?> reply = (List<?>) eval(RedisScripts.STATS, List.of(stream, dead), List.of(RedisKeys.GROUP, RELEASED));
        long oldestAge = number(reply.get(3));
        return new QueueStats.Snapshot(number(reply.get(0)), number(reply.get(1)), number(reply.get(2)),
                oldestAge < 0 ? null : Instant.now().minusMillis(oldestAge));
    }

    List<String> deadLetters(int limit) {
        return limit <= 0 ? List.of() : onLiveConnection(() -> redis.lrange(dead, 0, limit - 1L));
    }

    boolean requeue(String deadLetter, byte[] body) {
        return number(eval(RedisScripts.REQUEUE, List.of(dead, stream),
                List.of(deadLetter, new String(body, StandardCharsets.UTF_8)))) == 1;
    }

    boolean removeDeadLetter(String deadLetter) {
        return onLiveConnection(() -> redis.lrem(dead, 1, deadLetter)) == 1;
    }

    int purgeDeadLetters() {
        return (int) number(eval(RedisScripts.PURGE, List.of(dead), List.of()));
    }

    /** Removes a consumer name that holds no entries, so stopped workers do not pile up in the group. */
    void forgetConsumer(String consumer) {
        eval(RedisScripts.FORGET_CONSUMER, List.of(stream, alive), List.of(RedisKeys.GROUP, consumer));
    }

    /** Says that these consumers' worker is alive, so the sweep of killed workers' names spares them. */
    void heartbeat(List<String> consumers) {
        eval(RedisScripts.HEARTBEAT, List.of(alive), consumers);
    }

    /**
     * Removes consumers that hold nothing and whose worker has not said it is alive for
     * {@code idle}: those of workers that were killed. Returns how many.
     */
    long forgetIdleConsumers(Duration idle) {
        return number(eval(RedisScripts.FORGET_IDLE_CONSUMERS, List.of(stream, alive),
                List.of(RedisKeys.GROUP, Long.toString(idle.toMillis()), RELEASED)));
    }

    private boolean owned(String script, List<String> keys, String consumer, String id, String... more) {
        List<String> args = new ArrayList<>(List.of(RedisKeys.GROUP, consumer, id));
        args.addAll(List.of(more));
        return number(eval(script, keys, args)) == 1;
    }

    private Object eval(String script, List<String> keys, List<String> args) {
        return onLiveConnection(() -> redis.eval(script, keys, args));
    }

    /**
     * Runs a short command, once more if the pooled connection it got turns out to be dead. After
     * a Redis restart every idle connection in the pool is dead, so they are all dropped first.
     * A command that reached Redis but lost its reply runs twice: the scripts check ownership, so
     * they are idempotent; an XADD may queue a duplicate, which the fleet tolerates. The hand-off
     * does not come through here ({@link #handOff}).
     */
    private <T> T onLiveConnection(Supplier<T> command) {
        try {
            return command.get();
        } catch (JedisConnectionException e) {
            dropIdleConnections();
            return command.get();
        }
    }

    /** Closes the pool's idle connections, which are dead once Redis has cut the one in hand. */
    void dropIdleConnections() {
        redis.getPool().clear();
    }

    private static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : Long.parseLong(text(value));
    }

    /** A stream entry in this consumer's hands. */
    record RedisMessage(String id, Map<String, String> fields, int deliveryCount) {

        String body() {
            return fields.get(RedisKeys.BODY);
        }
    }

    /**
     * One read or claim: the entry handed to this consumer, or null when there was none or it was
     * dead-lettered unread for being larger than a job may be ({@code oversize} bytes).
     */
    record Read(RedisMessage message, String id, long oversize) {
        static final Read NOTHING = new Read(null, null, 0);
    }

    /** An entry a read or claim found and the queue it is in; {@link Read#NOTHING} when there was none. */
    record Found(StageQueue from, Read read) {
        static final Found NOTHING = new Found(null, Read.NOTHING);
    }

    /** The result of one claim step: where to continue scanning, and what was taken. */
    record Claim(String cursor, Read read) {
    }
}
