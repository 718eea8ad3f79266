package io.hlsfleet.transport.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.transport.Delivery;
import io.hlsfleet.transport.HoldingHandler;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.TransportException;
import io.hlsfleet.worker.JobListener;
import io.hlsfleet.worker.RetryPolicy;
import io.hlsfleet.worker.StageWorker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    /**
     * A worker frozen past its lease, that finishes the job after another consumer took it over,
     * hands nothing on and removes what it staged for it: nobody would ever read it.
     */
    @Test
    void aWorkerThatFinishesAJobTakenFromItHandsNothingOnAndRemovesWhatItStaged(@TempDir Path dir) throws Exception {
        String prefix = "hlsfleet-fence-" + UUID.randomUUID().toString().substring(0, 8);
        RedisKeys keys = new RedisKeys(prefix);
        LocalStagingArea staging = new LocalStagingArea(dir.resolve("staging"));
        CountDownLatch staged = new CountDownLatch(1);
        StagingEncodeHandler handler = new StagingEncodeHandler(staging, dir, (run, key) -> {
            staged.countDown();
            // Frozen until the lease is gone; the interrupt of the loss comes, and the work is done anyway.
            while (!Thread.interrupted()) {
                Thread.onSpinWait();
            }
        });
        Intake intake = new Intake("fencing test".getBytes(StandardCharsets.UTF_8), false);
        try (RedisClient redis = RedisClient.create(URI.create(Brokers.redisUrl()));
             Transport transport = new RedisTransport(new RedisTransport.Settings(Brokers.redisUrl(), prefix, LEASE,
                     Duration.ofMillis(300)));
             StageWorker worker = new StageWorker(Stage.ENCODE, handler, transport,
                     new RetryPolicy(List.of(Duration.ofSeconds(1)), 3, 5), JobListener.NONE,
                     new SimpleMeterRegistry(), intake).start(1)) {
            Job job = intake.seal(Job.submit("https://videos.example/fenced.mp4", false))
                    .advance(Stage.ENCODE, StageOutputs.NONE.withSource("jobs/fenced/source-a", 1));
            transport.publish(Stage.ENCODE, job);
            assertThat(staged.await(30, TimeUnit.SECONDS)).isTrue();
            StreamPendingEntry held = redis.xpending(keys.stream(Stage.ENCODE), RedisKeys.GROUP,
                    XPendingParams.xPendingParams().count(10)).getFirst();
            redis.xclaim(keys.stream(Stage.ENCODE), RedisKeys.GROUP, "another-worker", 0,
                    XClaimParams.xClaimParams(), held.getID());

            await().atMost(LEASE.multipliedBy(3)).untilAsserted(() ->
                    assertThat(staging.exists(handler.stagedKeys().getFirst())).as("the abandoned attempt's ladder")
                            .isFalse());
            assertThat(redis.xlen(keys.stream(Stage.UPLOAD))).as("messages handed to the upload stage").isZero();
            assertThat(redis.llen(keys.dead(Stage.ENCODE))).isZero();
        } finally {
            try (RedisClient redis = RedisClient.create(URI.create(Brokers.redisUrl()))) {
                for (Stage stage : Stage.values()) {
                    redis.del(keys.stream(stage), keys.delayed(stage), keys.dead(stage));
                }
            }
        }
    }
}
