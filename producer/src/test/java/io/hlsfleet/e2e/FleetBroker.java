package io.hlsfleet.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The queues a test fleet runs on, isolated from everything else on the machine, with the one
 * fault only a broker can have: going away and coming back. Job status always goes to a Redis of
 * the test's own, whichever broker carries the jobs.
 */
interface FleetBroker extends AutoCloseable {

    /** The workers' and the CLI's settings for this broker and the status store. */
    Map<String, String> env();

    /** Stops the broker, waits {@code down}, and starts it again with its data. */
    void restart(Duration down) throws IOException, InterruptedException;

    @Override
    void close() throws IOException, InterruptedException;

    /** The two transports the fleet supports; the fault scenarios run on each. */
    enum Kind {
        RABBITMQ, REDIS;

        FleetBroker open(Path dir) throws IOException, InterruptedException {
            RedisServer redis = new RedisServer(dir.resolve("redis"));
            return switch (this) {
                case RABBITMQ -> new Rabbit(redis);
                case REDIS -> new Redis(redis);
            };
        }
    }

    /** A throwaway virtual host on the RabbitMQ at {@code RABBITMQ_HOST} (default loopback). */
    final class Rabbit implements FleetBroker {

        private static final String HOST = System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1");

        private final RedisServer status;
        private final RabbitVhost vhost;

        Rabbit(RedisServer status) throws IOException, InterruptedException {
            this.status = status;
            this.vhost = new RabbitVhost();
        }

        @Override
        public Map<String, String> env() {
            return Map.of("HLSFLEET_BROKER", "rabbitmq", "SPRING_RABBITMQ_HOST", HOST,
                    "SPRING_RABBITMQ_VIRTUAL_HOST", vhost.name(), "HLSFLEET_REDIS_URL", status.url());
        }

        /**
         * Restarts the RabbitMQ application of the local node. This is disruptive: every client of
         * the node, not only this test's, loses its connections. Test classes run one at a time.
         */
        @Override
        public void restart(Duration down) throws IOException, InterruptedException {
            TestClips.run(List.of("rabbitmqctl", "-q", "stop_app"));
            Thread.sleep(down);
            TestClips.run(List.of("rabbitmqctl", "-q", "start_app"));
            TestClips.run(List.of("rabbitmqctl", "-q", "await_startup"));
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

    /** A redis-server of the test's own carrying both the jobs and their status. */
    final class Redis implements FleetBroker {

        private final RedisServer server;

        Redis(RedisServer server) {
            this.server = server;
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
        public void close() throws InterruptedException {
            server.close();
        }
    }
}
