package io.hlsfleet.e2e;

import io.hlsfleet.testing.PrivateRabbitNode;
import io.hlsfleet.testing.RedisServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The queues a test fleet runs on, isolated from everything else on the machine, with the one
 * fault only a broker can have: going away and coming back. Job status always goes to a Redis of
 * the test's own, whichever broker carries the jobs.
 */
interface FleetBroker extends AutoCloseable {

    /** Which transport this broker carries. */
    Kind kind();

    /** The workers' and the CLI's settings for this broker and the status store. */
    Map<String, String> env();

    /**
     * Stops the broker, waits {@code down}, and starts it again with its data. Only a broker of the
     * test's own can ({@link Kind#openPrivate}): the machine's shared RabbitMQ node is never restarted.
     */
    default void restart(Duration down) throws IOException, InterruptedException {
        throw new UnsupportedOperationException("this test's broker cannot be restarted, stopped or cut");
    }

    /** Stops the broker until {@link #boot}, keeping its data; only a broker of the test's own can. */
    default void stop() throws IOException, InterruptedException {
        restart(Duration.ZERO);
    }

    /** Starts the broker again after {@link #stop} and waits until it serves clients. */
    default void boot() throws IOException, InterruptedException {
        restart(Duration.ZERO);
    }

    /**
     * Closes every worker's connection at the broker, as a network cut would: RabbitMQ returns
     * their unacked messages to the queues; Redis keeps its pending entries with their owners.
     * Only a broker of the test's own can.
     */
    default void cutConnections() throws IOException, InterruptedException {
        restart(Duration.ZERO);
    }

    @Override
    void close() throws IOException, InterruptedException;

    /** Boots a RabbitMQ node in a start-up slot ({@link StartUps}): an Erlang VM's boot is CPU-bound too. */
    private static <T> T startUp(java.util.concurrent.Callable<T> boot) throws IOException, InterruptedException {
        try {
            return StartUps.run(boot);
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The two transports the fleet supports; the fault scenarios run on each. */
    enum Kind {
        RABBITMQ, REDIS;

        /** A broker isolated from other tests: on RabbitMQ a virtual host of the machine's shared node. */
        FleetBroker open(Path dir) throws IOException, InterruptedException {
            RedisServer redis = new RedisServer(dir.resolve("redis"));
            return switch (this) {
                case RABBITMQ -> new Rabbit(redis);
                case REDIS -> new Redis(redis);
            };
        }

        /** A broker process of the test's own, which the test may restart and cut. */
        FleetBroker openPrivate(Path dir) throws IOException, InterruptedException {
            RedisServer redis = new RedisServer(dir.resolve("redis"));
            return switch (this) {
                case RABBITMQ -> new PrivateRabbit(redis,
                        startUp(() -> PrivateRabbitNode.start(dir.resolve("rabbitmq"))));
                case REDIS -> new Redis(redis);
            };
        }
    }

    /** A throwaway virtual host on the RabbitMQ that {@link io.hlsfleet.testing.Brokers} chose. */
    final class Rabbit implements FleetBroker {

        private final RedisServer status;
        private final RabbitVhost vhost;

        Rabbit(RedisServer status) throws IOException, InterruptedException {
            this.status = status;
            this.vhost = new RabbitVhost();
        }

        @Override
        public Kind kind() {
            return Kind.RABBITMQ;
        }

        @Override
        public Map<String, String> env() {
            Map<String, String> env = new HashMap<>(vhost.brokerEnvironment());
            env.put("HLSFLEET_REDIS_URL", status.url());
            return Map.copyOf(env);
        }

        /** Refused: other tests use the shared node; open the fleet with {@link Kind#openPrivate} instead. */
        @Override
        public void restart(Duration down) {
            throw new UnsupportedOperationException("the shared RabbitMQ node is never restarted by a test;"
                    + " open the fleet's broker with FleetBroker.Kind.openPrivate");
        }

        /** Refused, as {@link #restart} is (stop and boot are refused through it). */
        @Override
        public void cutConnections() {
            throw new UnsupportedOperationException("connections to the shared RabbitMQ node are not cut by a test;"
                    + " open the fleet's broker with FleetBroker.Kind.openPrivate");
        }

        @Override
        public void close() throws IOException, InterruptedException {
            try {
                vhost.close();
            } finally {
                status.close();
            }
        }
    }

    /** A RabbitMQ node of the test's own ({@code /} virtual host); job status in a Redis of its own. */
    final class PrivateRabbit implements FleetBroker {

        private final RedisServer status;
        private final PrivateRabbitNode node;

        PrivateRabbit(RedisServer status, PrivateRabbitNode node) {
            this.status = status;
            this.node = node;
        }

        @Override
        public Kind kind() {
            return Kind.RABBITMQ;
        }

        @Override
        public Map<String, String> env() {
            Map<String, String> env = new HashMap<>(node.fleetEnvironment());
            env.put("HLSFLEET_REDIS_URL", status.url());
            return Map.copyOf(env);
        }

        PrivateRabbitNode node() {
            return node;
        }

        /** A graceful stop of the whole node (every queue's data kept), then a boot. */
        @Override
        public void restart(Duration down) throws IOException, InterruptedException {
            node.stop();
            Thread.sleep(down);
            boot();
        }

        @Override
        public void cutConnections() throws IOException, InterruptedException {
            node.closeConnections("/", "network cut staged by the fault suite");
        }

        @Override
        public void stop() throws InterruptedException {
            node.stop();
        }

        @Override
        public void boot() throws IOException, InterruptedException {
            startUp(node::boot);
        }

        @Override
        public void close() throws InterruptedException {
            try {
                node.close();
            } finally {
                status.close();
            }
        }
    }

    /** A redis-server of the test's own carrying both the jobs and their status. */
    final class Redis implements FleetBroker {

        private final RedisServer server;

        Redis(RedisServer server) {
            this.server = server;
        }

        @Override
        public Kind kind() {
            return Kind.REDIS;
        }

        @Override
        public Map<String, String> env() {
            return Map.of("HLSFLEET_BROKER", "redis", "HLSFLEET_REDIS_URL", server.url(),
                    // A job held by a killed worker is taken over after 5 s instead of a minute.
                    "HLSFLEET_REDIS_LEASE", "5s");
        }

        int port() {
            return server.port();
        }

        @Override
        public void restart(Duration down) throws IOException, InterruptedException {
            server.crashAndRestart(down);
        }

        @Override
        public void cutConnections() {
            server.killClients();
        }

        @Override
        public void stop() throws InterruptedException {
            server.close();
        }

        @Override
        public void boot() throws IOException, InterruptedException {
            server.start();
        }

        @Override
        public void close() throws InterruptedException {
            server.close();
        }
    }
}
