package io.hlsfleet.status;

import io.hlsfleet.job.JobCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import io.hlsfleet.transport.redis.RedisUrl;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.PooledConnectionProvider;

/**
 * Job status in Redis, shared by every worker and the CLI: one JSON string per job
 * ({@code hlsfleet:status:<jobId>}, expiring after {@link #RETENTION}) and a sorted set
 * {@code hlsfleet:status:recent} of job ids by last update, trimmed to {@link #MAX_RECENT}.
 *
 * <p><b>Surviving a Redis restart.</b> A state change (queued, started, published, dead…) that
 * were lost would leave its job showing a stale state for good, so connection failures are retried
 * by Jedis for about {@link #STATE_RETRY_WINDOW} (every write here is idempotent), and a pooled
 * connection is checked before use, so one that a restarted server dropped is replaced instead of
 * failing with "Unexpected end of stream". Progress is written once, without retries: the next
 * progress or state change replaces it, and a download or encode never waits on the status store.
 *
 * <p><b>Late news.</b> A write that may not replace the state held ({@link JobState#mayReplace}) is
 * dropped in the same script that would make it, so a worker that lost its job cannot turn a
 * published job back to encoding.
 */
public final class RedisJobStatusStore implements JobStatusStore {

    static final Duration RETENTION = Duration.ofDays(7);
    static final int MAX_RECENT = 10_000;
    /** Statuses read in one MGET. */
    private static final int BATCH = 500;
    /** Jedis spreads its attempts over this window with growing pauses: about a quarter of it is waited. */
    static final Duration STATE_RETRY_WINDOW = Duration.ofSeconds(90);
    private static final int STATE_ATTEMPTS = 12;
    private static final String PREFIX = "hlsfleet:status:";
    private static final String RECENT = PREFIX + "recent";

    /** State changes and reads, retried on connection failures. */
    private final UnifiedJedis redis;
    /** Progress, on the same connections, tried once. */
    private final UnifiedJedis bestEffort;

    public RedisJobStatusStore(String redisUrl) {
        RedisUrl url = RedisUrl.parse(redisUrl);
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setTestOnBorrow(true);
        PooledConnectionProvider connections = new PooledConnectionProvider(url.hostAndPort(),
                url.clientConfig().build(), pool);
        this.redis = new UnifiedJedis(connections, STATE_ATTEMPTS, STATE_RETRY_WINDOW);
        this.bestEffort = new UnifiedJedis(connections);
    }

    @Override
    public void save(JobStatus status) {
        write(redis, status);
    }

    @Override
    public void saveProgress(JobStatus status) {
        write(bestEffort, status, PROGRESS_NOT_REPLACED.get(status.state()), true);
    }

    /**
     * Writes ARGV[1] to KEYS[1] for ARGV[2] seconds and ranks ARGV[5] in KEYS[2] at ARGV[3], unless
     * the status held now is in one of the states listed in ARGV[4] (",A,B,"), or, when ARGV[6] is a
     * percentage (a progress report), the held status is of the same state and attempt and further
     * on; 1 if written.
     */
    private static final String WRITE_UNLESS_ENDED = """
            local current = redis.call('GET', KEYS[1])
            if current then
              local ok, held = pcall(cjson.decode, current)
              if ok and type(held) == 'table' and type(held.state) == 'string' then
                if string.find(ARGV[4], ',' .. held.state .. ',', 1, true) then
                  return 0
                end
                local percent = tonumber(ARGV[6])
                if percent and percent >= 0 and held.state == ARGV[7] and held.attempt == tonumber(ARGV[8])
                    and type(held.percent) == 'number' and held.percent > percent then
                  return 0
                end
              end
            end
            redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1])
            redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
            return 1
            """;

    /** For each state, the held states a status in it may not replace, as WRITE_UNLESS_ENDED lists them. */
    private static final Map<JobState, String> NOT_REPLACED = heldStatesNotReplaced(JobState::mayReplace);
    /** The same for progress. */
    private static final Map<JobState, String> PROGRESS_NOT_REPLACED = heldStatesNotReplaced(JobState::progressMayReplace);

    private static Map<JobState, String> heldStatesNotReplaced(BiPredicate<JobState, JobState> mayReplace) {
        Map<JobState, String> notReplaced = new EnumMap<>(JobState.class);
        for (JobState next : JobState.values()) {
            StringBuilder held = new StringBuilder(",");
            for (JobState current : JobState.values()) {
                if (!mayReplace.test(next, current)) {
                    held.append(current.name()).append(',');
                }
            }
            notReplaced.put(next, held.toString());
        }
        return notReplaced;
    }

    /** Writes {@code status} unless the job's status held now may not be replaced by it ({@link JobState#mayReplace}). */
    private static void write(UnifiedJedis client, JobStatus status) {
        write(client, status, NOT_REPLACED.get(status.state()), false);
    }

    /**
     * Writes {@code status} unless the job's status held now is in one of the {@code heldNotReplaced}
     * states or, for {@code progress}, already further on in the same state and attempt: two chunks
     * of a video finishing close together may report out of order.
     */
    private static void write(UnifiedJedis client, JobStatus status, String heldNotReplaced, boolean progress) {
        client.eval(WRITE_UNLESS_ENDED, List.of(PREFIX + status.jobId(), RECENT),
                List.of(JobCodec.toJson(status), Long.toString(RETENTION.toSeconds()),
                        Long.toString(status.updatedAt().toEpochMilli()), heldNotReplaced,
                        status.jobId(), progress ? Integer.toString(status.percent()) : "", status.state().name(),
                        Integer.toString(status.attempt())));
        if (status.state().finished()) {
            client.zremrangeByRank(RECENT, 0, -MAX_RECENT - 1);
        }
    }

    /** One pipeline for the lot (a submitted list of 100,000 jobs is 200,000 commands). */
    @Override
    public void saveAll(List<JobStatus> statuses) {
        try (var pipeline = redis.pipelined()) {
            for (JobStatus status : statuses) {
                pipeline.setex(PREFIX + status.jobId(), RETENTION.toSeconds(), JobCodec.toJson(status));
                pipeline.zadd(RECENT, status.updatedAt().toEpochMilli(), status.jobId());
            }
            pipeline.sync();
        }
    }

    @Override
    public Optional<JobStatus> find(String jobId) {
        String json = redis.get(PREFIX + jobId);
        return json == null ? Optional.empty() : Optional.of(JobCodec.fromJson(json, JobStatus.class));
    }

    /** Reads the statuses in batches of {@value #BATCH} with MGET, not one GET per job. */
    @Override
    public List<JobStatus> recent(int limit) {
        List<String> ids = redis.zrevrange(RECENT, 0, limit - 1);
        List<JobStatus> statuses = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + BATCH));
            for (String json : redis.mget(batch.stream().map(id -> PREFIX + id).toArray(String[]::new))) {
                if (json != null) {
                    statuses.add(JobCodec.fromJson(json, JobStatus.class));
                }
            }
        }
        return statuses;
    }

    @Override
    public void close() {
        // Both clients share one pool; closing it twice is harmless.
        bestEffort.close();
        redis.close();
    }
}
