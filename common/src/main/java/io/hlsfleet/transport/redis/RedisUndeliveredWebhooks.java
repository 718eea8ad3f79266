package io.hlsfleet.transport.redis;

import io.hlsfleet.job.JobCodec;
import io.hlsfleet.transport.TransportException;
import io.hlsfleet.webhook.UndeliveredWebhook;
import io.hlsfleet.webhook.UndeliveredWebhooks;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Undelivered webhooks on Redis: a list of their JSON, oldest first, capped like the stages' dead
 * letters at the newest {@code HLSFLEET_REDIS_DEAD_LETTER_CAP}. An entry is removed by its exact
 * value, so senders may add to the list while it is replayed.
 */
final class RedisUndeliveredWebhooks implements UndeliveredWebhooks {

    private static final Logger log = LoggerFactory.getLogger(RedisUndeliveredWebhooks.class);

    private final RedisClient redis;
    private final String key;
    private final int cap;

    RedisUndeliveredWebhooks(RedisClient redis, String key, int cap) {
        this.redis = redis;
        this.key = key;
        this.cap = cap;
    }

    @Override
    public void keep(UndeliveredWebhook webhook) {
        try {
            redis.eval(RedisScripts.CAPPED_PUSH, List.of(key), List.of(JobCodec.toJson(webhook), Integer.toString(cap)));
        } catch (JedisException e) {
            throw new TransportException("Redis did not take the undelivered webhook for " + key, e);
        }
    }

    @Override
    public List<UndeliveredWebhook> list(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        List<UndeliveredWebhook> webhooks = new ArrayList<>();
        for (String raw : range(limit - 1L)) {
            UndeliveredWebhook webhook = read(raw);
            if (webhook != null) {
                webhooks.add(webhook);
            }
        }
        return webhooks;
    }

    @Override
    public int update(UnaryOperator<UndeliveredWebhook> visit) {
        int changed = 0;
        for (String raw : range(-1)) {
            UndeliveredWebhook webhook = read(raw);
            if (webhook == null) {
                continue;
            }
            UndeliveredWebhook result = visit.apply(webhook);
            if (result == webhook) {
                continue;
            }
            if (result != null) {
                keep(result);
            }
            try {
                redis.lrem(key, 1, raw);
            } catch (JedisException e) {
                throw new TransportException("could not remove an undelivered webhook from " + key, e);
            }
            changed++;
        }
        return changed;
    }

    @Override
    public int purge() {
        try {
            return ((Number) redis.eval(RedisScripts.PURGE, List.of(key), List.of())).intValue();
        } catch (JedisException e) {
            throw new TransportException("could not purge " + key, e);
        }
    }

    private List<String> range(long last) {
        try {
            return redis.lrange(key, 0, last);
        } catch (JedisException e) {
            throw new TransportException("could not read " + key, e);
        }
    }

    /** The webhook an entry holds, or null (logged) for an entry that is not one. */
    private UndeliveredWebhook read(String raw) {
        try {
            return JobCodec.fromJson(raw, UndeliveredWebhook.class);
        } catch (RuntimeException e) {
            log.warn("skipped an entry of {} that is not an undelivered webhook: {}", key, e.getMessage());
            return null;
        }
    }
}
