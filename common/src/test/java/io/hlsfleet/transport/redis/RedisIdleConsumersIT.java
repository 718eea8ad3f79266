package io.hlsfleet.transport.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.testing.RedisServer;
import io.hlsfleet.transport.Transport;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A worker with many free consumers, as a download worker has, on a Redis of the test's own whose
 * command count nothing else moves: idle, its consumers take turns asking for work; a burst still
 * reaches all of them at once.
 */
class RedisIdleConsumersIT {

    /** A download worker's default number of consumers. */
    private static final int CONSUMERS = 32;

    @TempDir
    Path dir;

    private RedisServer server;
    private Transport transport;

    @BeforeEach
    void start() throws Exception {
        server = new RedisServer(dir.resolve("redis"));
        transport = new RedisTransport(RedisTransport.Settings.defaults(server.url()));
    }

    @AfterEach
    void stop() throws Exception {
        transport.close();
        server.close();
    }

    @Test
    void idleConsumersTakeTurnsAskingForWork() throws Exception {
        try (var subscription = transport.subscribe(Stage.DOWNLOAD, CONSUMERS, delivery -> delivery.ack())) {
            Thread.sleep(2_000);
            long before = commandsProcessed();
            Thread.sleep(5_000);
            double perSecond = (commandsProcessed() - before - 1) / 5.0;
            // Each look is one script reading the three priority streams. One look per quarter
            // second, the keeper's retry promotion (one script every half second) and a scan for
            // abandoned entries every poll period come to about 8 scripts a second, 30 commands with
            // those the scripts run. A script per stream came to 45; a look per consumer and
            // quarter second to 900. Timers drive these figures, so a slow machine only lowers them.
            System.out.printf("an idle worker of %d consumers: %.1f Redis commands a second%n", CONSUMERS, perSecond);
            assertThat(perSecond).as("Redis commands a second from an idle worker").isBetween(5.0, 40.0);
        }
    }

    @Test
    void aBurstReachesEveryFreeConsumerAtOnce() throws Exception {
        CountDownLatch allInHand = new CountDownLatch(CONSUMERS);
        Set<Thread> holders = ConcurrentHashMap.newKeySet();
        try (var subscription = transport.subscribe(Stage.DOWNLOAD, CONSUMERS, delivery -> {
            holders.add(Thread.currentThread());
            allInHand.countDown();
            // Each consumer keeps its job until every job is in someone's hand.
            try {
                allInHand.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delivery.ack();
        })) {
            Thread.sleep(1_000);
            for (int i = 0; i < CONSUMERS; i++) {
                transport.publish(Stage.DOWNLOAD, job(i));
            }
            // Taken one turn at a time, the 32 jobs would need 32 quarter seconds: 8 s.
            assertThat(allInHand.await(5, TimeUnit.SECONDS)).as("every consumer holds one job at the same time")
                    .isTrue();
            assertThat(holders).hasSize(CONSUMERS);
        }
    }

    private long commandsProcessed() {
        try (Jedis jedis = new Jedis("127.0.0.1", server.port())) {
            String stats = jedis.info("stats");
            return stats.lines().filter(line -> line.startsWith("total_commands_processed:"))
                    .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).strip()))
                    .findFirst().orElseThrow();
        }
    }

    private static Job job(int i) {
        return Job.submit("https://example.com/idle-consumers/" + i + ".mp4", false)
                .advance(Stage.DOWNLOAD, StageOutputs.NONE);
    }
}
