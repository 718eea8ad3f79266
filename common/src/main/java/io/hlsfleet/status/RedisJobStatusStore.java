package io.hlsfleet.status;

import io.hlsfleet.job.JobCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.JedisPooled;

/**
 * Job status in Redis, shared by every worker and the CLI: one JSON string per job
 * ({@code hlsfleet:status:<jobId>}, expiring after {@link #RETENTION}) and a sorted set
 * {@code hlsfleet:status:recent} of job ids by last update, trimmed to {@link #MAX_RECENT}.
 */
public final class RedisJobStatusStore implements JobStatusStore {

    static final Duration RETENTION = Duration.ofDays(7);
    static final int MAX_RECENT = 10_000;
    private static final String PREFIX = "hlsfleet:status:";
    private static final String RECENT = PREFIX + "recent";

    private final JedisPooled redis;
    private final boolean ownsClient;

    public RedisJobStatusStore(String redisUrl) {
        this(new JedisPooled(java.net.URI.create(redisUrl)), true);
    }

    public RedisJobStatusStore(JedisPooled redis, boolean ownsClient) {
        this.redis = redis;
        this.ownsClient = ownsClient;
    }

    @Override
    public void save(JobStatus status) {
        redis.setex(PREFIX + status.jobId(), RETENTION.toSeconds(), JobCodec.toJson(status));
        redis.zadd(RECENT, status.updatedAt().toEpochMilli(), status.jobId());
        if (status.state().finished()) {
            redis.zremrangeByRank(RECENT, 0, -MAX_RECENT - 1);
        }
    }

    @Override
    public Optional<JobStatus> find(String jobId) {
        String json = redis.get(PREFIX + jobId);
        return json == null ? Optional.empty() : Optional.of(JobCodec.fromJson(json, JobStatus.class));
    }

    @Override
    public List<JobStatus> recent(int limit) {
        List<JobStatus> statuses = new ArrayList<>();
        for (String jobId : redis.zrevrange(RECENT, 0, limit - 1)) {
            find(jobId).ifPresent(statuses::add);
        }
        return statuses;
    }

    @Override
    public void close() {
        if (ownsClient) {
            redis.close();
        }
    }
}
