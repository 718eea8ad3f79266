package io.hlsfleet.e2e;

import io.hlsfleet.testing.Brokers;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A RabbitMQ virtual host of its own for one test, created and deleted through the management API,
 * so that no other consumer of the same broker can take the test's messages.
 */
final class RabbitVhost implements AutoCloseable {

    private final String name = "hlsfleet-it-" + UUID.randomUUID().toString().substring(0, 8);

    RabbitVhost() {
        Brokers.isolatedRabbit(name);
    }

    String name() {
        return name;
    }

    /**
     * The environment of a test fleet on this vhost, with staging and bucket under {@code dir}:
     * downloads from the loopback test origin allowed, the fastest x264 preset (these tests check
     * the pipeline, not picture quality) and 1 s retries.
     */
    Map<String, String> fleetEnvironment(String host, Path dir) {
        Map<String, String> env = new HashMap<>();
        env.put("HLSFLEET_BROKER", "rabbitmq");
        env.put("SPRING_RABBITMQ_HOST", host);
        env.put("SPRING_RABBITMQ_VIRTUAL_HOST", name);
        env.put("HLSFLEET_STAGING", dir.resolve("staging").toString());
        env.put("HLSFLEET_BUCKET", dir.resolve("bucket").toUri().toString());
        env.put("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.0/8");
        env.put("HLSFLEET_ENCODE_PRESET", "ultrafast");
        env.put("HLSFLEET_RETRY_DELAYS", "1s");
        return env;
    }

    @Override
    public void close() {
        Brokers.deleteRabbitVhost(name);
    }
}
