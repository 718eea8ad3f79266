package io.hlsfleet.transport.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.testing.RedisServer;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.worker.JobListener;
import io.hlsfleet.worker.RetryPolicy;
import io.hlsfleet.worker.StageWorker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * A hand-off Redis does not answer, because Redis goes down or stalls as the attempt finishes,
 * may have run or not; the attempt's staged outputs are then either the next stage's input or
 * nobody's. Each case ends with exactly one attempt's ladder staged, the one the next stage got,
 * or none when nothing was handed on.
 */
class RedisHandOffOutageIT {

    private static final Duration LEASE = Duration.ofSeconds(5);
    private static final String ANOTHER_WORKER = "another-worker";

    @TempDir
    Path dir;
    private RedisServer server;
    private LocalStagingArea staging;

    @BeforeEach
    void startRedis() throws Exception {
        server = new RedisServer(dir.resolve("redis"), List.of("--enable-debug-command", "local"));
        staging = new LocalStagingArea(dir.resolve("staging"));
    }

    @AfterEach
    void stopRedis() throws InterruptedException {
        server.close();
    }

    /** Redis is killed as the attempt hands off and back 2 s later: the entry is still this consumer's. */
    @Test
    void aHandOffCutByARedisCrashIsMadeOnceRedisIsBack() throws Exception {
        try (Worker worker = new Worker(() -> {
            server.crash();
            inBackground(() -> {
                Thread.sleep(2000);
                server.start();
            });
        })) {
            Job handedOn = worker.awaitHandedOn();
            assertThat(handedOn.outputs().ladder()).isEqualTo(worker.stagedKeys().getFirst());
            // Longer than a lease: a hand-off given up on would have come back to the handler by now.
            Thread.sleep(LEASE.plusSeconds(2));
            assertThat(worker.stagedKeys()).as("handler runs").hasSize(1);
            assertThat(staging.exists(worker.stagedKeys().getFirst())).as("the handed-on ladder is staged").isTrue();
            assertThat(worker.pendingOnEncode()).isZero();
        }
    }

    /**
     * Redis stalls past the client's socket timeout with the hand-off already sent, and runs it
     * when the stall ends: the reply is lost, the hand-off is made, and the ladder the upload stage
     * got stays. (Whether Redis runs the stale call before the worker asks, or the worker's own
     * second call wins, one hand-off is made either way.)
     */
    @Test
    void aHandOffThatRanWithoutAnAnswerKeepsItsLadder() throws Exception {
        try (Worker worker = new Worker(() -> {
            inBackground(() -> {
                try (Jedis jedis = new Jedis("127.0.0.1", server.port(), 30_000)) {
                    // Longer than the transport's socket timeout (10 s).
                    jedis.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "SLEEP", "10.5");
                }
            });
            Thread.sleep(300);
        })) {
            Job handedOn = worker.awaitHandedOn();
            assertThat(handedOn.outputs().ladder()).isEqualTo(worker.stagedKeys().getFirst());
            Thread.sleep(LEASE.plusSeconds(2));
            assertThat(worker.stagedKeys()).as("handler runs").hasSize(1);
            assertThat(worker.handedOnCount()).isOne();
            assertThat(staging.exists(worker.stagedKeys().getFirst())).as("the handed-on ladder is staged").isTrue();
        }
    }

    /**
     * While Redis was down the entry went to another consumer (its lease ran out): nothing was
     * handed on, so what the attempt staged is nobody's and is removed.
     */
    @Test
    void aHandOffWhoseEntryWentToAnotherConsumerMeanwhileRemovesItsLadder() throws Exception {
        try (Worker worker = new Worker(() -> {
            String id = worker().pendingIdOnEncode();
            server.crash();
            inBackground(() -> {
                Thread.sleep(2000);
                server.start();
                worker().claimFor(ANOTHER_WORKER, id);
            });
        })) {
            await().atMost(LEASE.multipliedBy(3)).ignoreExceptions().until(() -> worker.stagedKeys().size() == 1
                    && !staging.exists(worker.stagedKeys().getFirst()));
            assertThat(worker.handedOnCount()).as("messages handed to the upload stage").isZero();
            assertThat(worker.stagedKeys()).as("handler runs").hasSize(1);
        }
    }

    private Worker current;

    private Worker worker() {
        return current;
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void inBackground(Step step) {
        Thread.ofPlatform().start(() -> {
            try {
                step.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * An encode worker on the test's Redis whose handler stages a ladder under a key of its own,
     * then, in its first run only, runs {@code beforeHandOff}, then returns.
     */
    private final class Worker implements AutoCloseable {
        private final RedisKeys keys = new RedisKeys("hlsfleet");
        private final Transport transport = new RedisTransport(
                new RedisTransport.Settings(server.url(), "hlsfleet", LEASE, Duration.ofMillis(300)));
        private final StagingEncodeHandler handler;
        private final StageWorker stageWorker;

        Worker(Step beforeHandOff) {
            current = this;
            handler = new StagingEncodeHandler(staging, dir, (run, key) -> {
                if (run == 1) {
                    beforeHandOff.run();
                }
            });
            Intake intake = new Intake("hand-off outage test".getBytes(StandardCharsets.UTF_8), false);
            stageWorker = new StageWorker(Stage.ENCODE, handler, transport,
                    new RetryPolicy(List.of(Duration.ofSeconds(1)), 3, 5), JobListener.NONE,
                    new SimpleMeterRegistry(), intake).start(1);
            Job job = intake.seal(Job.submit("https://videos.example/outage.mp4", false))
                    .advance(Stage.ENCODE, StageOutputs.NONE.withSource("jobs/outage/source-a", 1));
            transport.publish(Stage.ENCODE, job);
        }

        List<String> stagedKeys() {
            return handler.stagedKeys();
        }

        Job awaitHandedOn() {
            await().atMost(LEASE.multipliedBy(4)).ignoreExceptions().until(() -> handedOnCount() > 0);
            List<StreamEntry> entries = onRedis(redis -> redis.xrange(keys.stream(Stage.UPLOAD),
                    (StreamEntryID) null, null));
            return JobCodec.decode(entries.getFirst().getFields().get(RedisKeys.BODY).getBytes(StandardCharsets.UTF_8),
                    Stage.UPLOAD);
        }

        long handedOnCount() {
            return onRedis(redis -> redis.xlen(keys.stream(Stage.UPLOAD)));
        }

        long pendingOnEncode() {
            return pending().size();
        }

        String pendingIdOnEncode() {
            return pending().getFirst().getID().toString();
        }

        private List<StreamPendingEntry> pending() {
            return onRedis(redis -> redis.xpending(keys.stream(Stage.ENCODE), RedisKeys.GROUP,
                    XPendingParams.xPendingParams().count(10)));
        }

        void claimFor(String consumer, String id) {
            onRedis(redis -> redis.xclaim(keys.stream(Stage.ENCODE), RedisKeys.GROUP, consumer, 0,
                    XClaimParams.xClaimParams(), new StreamEntryID(id)));
        }

        /** On a connection of its own: a pooled one would be dead after each restart. */
        private <T> T onRedis(Function<Jedis, T> command) {
            try (Jedis redis = new Jedis("127.0.0.1", server.port())) {
                return command.apply(redis);
            }
        }

        @Override
        public void close() {
            stageWorker.close();
            transport.close();
        }
    }
}
