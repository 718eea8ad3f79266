package io.hlsfleet.transport.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.transport.Delivery;
import io.hlsfleet.transport.HoldingHandler;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.TransportException;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * Fencing on Redis: once another consumer has taken an entry over (here by XCLAIM, as a worker
 * does when the holder's lease ran out under a GC pause or SIGSTOP), the first holder's handler is
 * interrupted at its next renewal and can settle nothing.
 */
class RedisFencingIT {

    private static final Duration LEASE = Duration.ofSeconds(3);

    @Test
    void aHandlerWhoseEntryWasTakenOverIsInterruptedAndSettlesNothing() throws Exception {
        String prefix = "hlsfleet-fence-" + UUID.randomUUID().toString().substring(0, 8);
        RedisKeys keys = new RedisKeys(prefix);
        HoldingHandler handler = HoldingHandler.holdingEvery();
        try (RedisClient redis = RedisClient.create(URI.create(Brokers.redisUrl()));
             Transport transport = new RedisTransport(new RedisTransport.Settings(Brokers.redisUrl(), prefix, LEASE,
                     Duration.ofMillis(300)))) {
            try (Transport.Subscription ignored = transport.subscribe(Stage.ENCODE, 1, handler)) {
                Job job = Job.submit("https://videos.example/fenced.mp4", false).advance(Stage.ENCODE, StageOutputs.NONE);
                transport.publish(Stage.ENCODE, job);
                handler.awaitStarted("handler started", Duration.ofSeconds(30));

                StreamPendingEntry held = redis.xpending(keys.stream(Stage.ENCODE), RedisKeys.GROUP,
                        XPendingParams.xPendingParams().count(10)).getFirst();
                redis.xclaim(keys.stream(Stage.ENCODE), RedisKeys.GROUP, "another-worker", 0,
                        XClaimParams.xClaimParams(), held.getID());

                long taken = System.nanoTime();
                Delivery stale = handler.awaitInterrupted("the first holder's handler is interrupted",
                        LEASE.multipliedBy(3));
                assertThat(Duration.ofNanos(System.nanoTime() - taken)).isLessThan(LEASE.multipliedBy(2));
                assertThat(stale.lost()).isTrue();
                assertThatThrownBy(stale::ack).isInstanceOf(TransportException.class);
                assertThatThrownBy(() -> stale.retryLater(job.nextAttempt(), Duration.ofSeconds(1)))
                        .isInstanceOf(TransportException.class);

                StreamPendingEntry after = redis.xpending(keys.stream(Stage.ENCODE), RedisKeys.GROUP,
                        XPendingParams.xPendingParams().count(10)).getFirst();
                assertThat(after.getConsumerName()).as("the entry stays with the consumer that took it")
                        .isEqualTo("another-worker");
                assertThat(redis.llen(keys.dead(Stage.ENCODE))).isZero();
                assertThat(redis.zcard(keys.delayed(Stage.ENCODE))).isZero();
            }
        } finally {
            try (RedisClient redis = RedisClient.create(URI.create(Brokers.redisUrl()))) {
                for (Stage stage : Stage.values()) {
                    redis.del(keys.stream(stage), keys.delayed(stage), keys.dead(stage));
                }
            }
        }
    }
}
