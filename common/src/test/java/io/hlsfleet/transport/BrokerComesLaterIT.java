package io.hlsfleet.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.testing.PrivateRabbitNode;
import io.hlsfleet.testing.RedisServer;
import io.hlsfleet.transport.rabbit.RabbitTopology;
import io.hlsfleet.transport.rabbit.RabbitTransport;
import io.hlsfleet.transport.redis.RedisTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker started while its broker is down: its transport connects and subscribes without
 * failing, and its consumers take jobs within 30 s of the broker coming up (on Redis, again after
 * a crash and restart; the fault suite restarts RabbitMQ under a running fleet). Each test runs a
 * broker process of its own, never the shared one.
 */
class BrokerComesLaterIT {

    /** The longest a worker may take to start consuming once its broker is up. */
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    /** How long the broker stays down while the worker waits: several of the consumers' retries. */
    private static final Duration DOWN = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    void redisWorkerConsumesOnceRedisComesUp() throws Exception {
        try (RedisServer server = RedisServer.notStarted(dir.resolve("redis"));
                Transport transport = new RedisTransport(new RedisTransport.Settings(server.url(), "hlsfleet",
                        Duration.ofSeconds(2), Duration.ofMillis(300)))) {
            assertConsumesOnceTheBrokerIsUp(transport, server::start, () -> server.crashAndRestart(DOWN));
        }
    }

    @Test
    void rabbitWorkerConsumesOnceRabbitComesUp() throws Exception {
        try (PrivateRabbitNode node = PrivateRabbitNode.start(dir.resolve("rabbit"))) {
            node.stop();
            try (Transport transport = new RabbitTransport(RabbitTransport.connectionFactory(node.settings("/")), true,
                    new RabbitTopology(List.of(Duration.ofSeconds(1)), Duration.ofHours(24)))) {
                assertConsumesOnceTheBrokerIsUp(transport, node::boot, null);
            }
        }
    }

    /** {@code restart}, when not null, restarts the broker after the first job went through. */
    private static void assertConsumesOnceTheBrokerIsUp(Transport transport, BrokerStep start, BrokerStep restart)
            throws Exception {
        BlockingQueue<Job> received = new LinkedBlockingQueue<>();
        try (var subscription = transport.subscribe(Stage.ENCODE, 2, delivery -> {
            delivery.ack();
            received.add(delivery.job());
        })) {
            Job early = job("while-down");
            assertThatThrownBy(() -> transport.publish(Stage.ENCODE, early))
                    .as("a publish while the broker is down fails").isInstanceOf(TransportException.class);
            Thread.sleep(DOWN);

            start.run();
            long up = System.nanoTime();
            Job first = job("after-start");
            transport.publish(Stage.ENCODE, first);
            assertThat(received.poll(READY_WITHIN.toMillis(), TimeUnit.MILLISECONDS)).as("consumed after start")
                    .isEqualTo(first);
            System.out.printf("consuming %d ms after the broker came up%n",
                    Duration.ofNanos(System.nanoTime() - up).toMillis());

            if (restart == null) {
                return;
            }
            restart.run();
            Job second = job("after-restart");
            transport.publish(Stage.ENCODE, second);
            assertThat(received.poll(READY_WITHIN.toMillis(), TimeUnit.MILLISECONDS)).as("consumed after restart")
                    .isEqualTo(second);
        }
    }

    private static Job job(String name) {
        return Job.submit("https://example.com/broker-later/" + name + ".mp4", false)
                .advance(Stage.ENCODE, StageOutputs.NONE);
    }

    @FunctionalInterface
    private interface BrokerStep {
        void run() throws Exception;
    }
}
