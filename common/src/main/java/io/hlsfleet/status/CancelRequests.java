package io.hlsfleet.status;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Job;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.transport.redis.RedisUrl;
import io.hlsfleet.worker.Cancellation;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.JedisPooled;

/**
 * Jobs someone asked to cancel ({@code hlsfleet cancel}), kept beside the job status in Redis as
 * {@code hlsfleet:cancel:<jobId>} (the reason) for as long as status is kept. Workers look here
 * before they start a job, and every second for the jobs they are running, so a cancel reaches a
 * job wherever it is: waiting in a queue or a retry, or running on any worker.
 *
 * <p>The same key settles the race between a cancel and an upload about to write its master
 * playlist: whichever comes first sets it, the other finds it set. An upload that {@linkplain
 * #commit commits} stores {@link #PUBLISHING} there, and a cancel that finds it is refused; an upload
 * that finds a reason there is cancelled and writes no master.
 */
public final class CancelRequests implements AutoCloseable {

    static final Duration RETENTION = RedisJobStatusStore.RETENTION;
    private static final String PREFIX = "hlsfleet:cancel:";
    /** What an upload that is writing its master playlist stores instead of a reason; never a reason itself. */
    static final String PUBLISHING = "(publishing: not cancellable)";
    /** Sets the key unless it is set, and returns what it holds then. */
    private static final String SET_UNLESS_SET = "local held = redis.call('GET', KEYS[1])\n"
            + "if held then return held end\n"
            + "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\n"
            + "return ARGV[1]";

    private final JedisPooled redis;
    private final RedisJobStatusStore statuses;

    public CancelRequests(String redisUrl) {
        RedisUrl url = RedisUrl.parse(redisUrl);
        this.redis = new JedisPooled(url.hostAndPort(), url.clientConfig().build());
        this.statuses = new RedisJobStatusStore(redisUrl);
    }

    /** The fleet's cancel requests, where its job status is kept; empty when no status store is configured. */
    public static Optional<CancelRequests> connect(Settings settings, FleetConfig config) {
        return JobStatusStores.url(settings, config).map(CancelRequests::new);
    }

    /**
     * Asks for {@code jobId} to be cancelled for {@code reason}; returns why not if its upload is
     * already writing the master playlist. A job asked before keeps the first reason.
     */
    public Optional<String> request(String jobId, String reason) {
        if (PUBLISHING.equals(setUnlessSet(jobId, reason))) {
            return Optional.of(PUBLISHING_REFUSAL);
        }
        return Optional.empty();
    }

    /** Why a cancel that came after the upload's {@linkplain #commit commit} is refused. */
    public static final String PUBLISHING_REFUSAL = "its upload is writing the master playlist, so it ends published;"
            + " 'hlsfleet unpublish' removes it then";

    /**
     * The upload of {@code jobId} is about to write its master playlist: from now on a cancel is
     * refused. Returns false if a cancel was asked for first; then the upload must not write it.
     * A second commit of the same job (a redelivered upload) succeeds.
     */
    public boolean commit(String jobId) {
        return PUBLISHING.equals(setUnlessSet(jobId, PUBLISHING));
    }

    private String setUnlessSet(String jobId, String value) {
        return String.valueOf(redis.eval(SET_UNLESS_SET, List.of(PREFIX + jobId),
                List.of(value, Long.toString(RETENTION.toSeconds()))));
    }

    /** Whether the upload of {@code jobId} {@linkplain #commit committed}. */
    public boolean committed(String jobId) {
        return PUBLISHING.equals(redis.get(PREFIX + jobId));
    }

    public Optional<String> reason(String jobId) {
        return Optional.ofNullable(redis.get(PREFIX + jobId)).filter(held -> !held.equals(PUBLISHING));
    }

    /** The jobs among {@code jobIds} that were asked to cancel, with the reason given. */
    public Map<String, String> requested(Collection<String> jobIds) {
        Map<String, String> found = new HashMap<>();
        if (jobIds.isEmpty()) {
            return found;
        }
        List<String> ids = List.copyOf(jobIds);
        List<String> reasons = redis.mget(ids.stream().map(id -> PREFIX + id).toArray(String[]::new));
        for (int i = 0; i < ids.size(); i++) {
            if (reasons.get(i) != null && !reasons.get(i).equals(PUBLISHING)) {
                found.put(ids.get(i), reasons.get(i));
            }
        }
        return found;
    }

    /**
     * Why a job cannot be cancelled, if it cannot: it is unknown (or its status expired), or it has
     * ended. Both {@code hlsfleet cancel} and the intake's cancel message refuse on this.
     */
    public static Optional<String> refusal(Optional<JobStatus> status) {
        if (status.isEmpty()) {
            return Optional.of("no such job (status is kept for 7 days)");
        }
        JobStatus s = status.get();
        return switch (s.state()) {
            case PUBLISHED -> Optional.of("it is already published as " + s.videoId()
                    + "; removing a published video is not a cancel: 'hlsfleet unpublish " + s.videoId() + "' removes it");
            case UNPUBLISHED -> Optional.of("it was published as " + s.videoId() + " and is unpublished already");
            case DEAD -> Optional.of("it is already dead (" + s.reason() + "); 'hlsfleet dlq purge' removes it");
            case CANCELLED -> Optional.of("it is already cancelled");
            case EXPANDED -> Optional.of("it is a list whose videos are jobs of their own; cancel those ("
                    + (s.children() == null ? 0 : s.children().size()) + ", listed by 'hlsfleet status "
                    + s.jobId() + "')");
            default -> Optional.empty();
        };
    }

    /**
     * What a stage worker needs of cancels: these requests, {@code staging} to clean up after
     * them, and the status store beside them to refuse what {@code hlsfleet cancel} refuses.
     */
    public Cancellation forWorker(StagingArea staging) {
        return new Cancellation() {
            @Override
            public Optional<String> request(String jobId, String reason) {
                Optional<String> refused = refusal(statuses.find(jobId));
                return refused.isPresent() ? refused : CancelRequests.this.request(jobId, reason);
            }

            @Override
            public Map<String, String> requested(Collection<String> jobIds) {
                return CancelRequests.this.requested(jobIds);
            }

            @Override
            public boolean commit(String jobId) {
                return CancelRequests.this.commit(jobId);
            }

            @Override
            public boolean committed(String jobId) {
                return CancelRequests.this.committed(jobId);
            }

            @Override
            public void discard(Job job) {
                staging.discardJob(job);
            }
        };
    }

    @Override
    public void close() {
        redis.close();
        statuses.close();
    }
}
