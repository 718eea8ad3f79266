package io.hlsfleet.transport.redis;

import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.transport.TransportException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
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

    RedisEventBus(RedisClient redis, String stream, long maxLength) {
        this.redis = redis;
        this.stream = stream;
        this.maxLength = maxLength;
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
                                deliver(entry, consumer);
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

    private void deliver(StreamEntry entry, Consumer<JobEvent> consumer) {
        try {
            consumer.accept(JobCodec.fromJson(entry.getFields().get(EVENT), JobEvent.class));
        } catch (RuntimeException e) {
            log.warn("skipped entry {} of {} that is not a job event: {}", entry.getID(), stream, e.getMessage());
        }
    }
}
