package io.hlsfleet.testing;

import io.hlsfleet.config.FleetConfig;

/**
 * Where the integration tests find their brokers: the hosts named by {@code RABBITMQ_HOST} and
 * {@code REDIS_URL} (a {@code redis://} URL or a bare host), else the local machine with the
 * brokers' default ports and credentials. The RabbitMQ queues have fixed names, so a suite that
 * must not share them with other processes on the same broker sets {@code RABBITMQ_VHOST}.
 */
public final class Brokers {

    private Brokers() {
    }

    public static FleetConfig.RabbitSettings rabbit() {
        return new FleetConfig.RabbitSettings(env("RABBITMQ_HOST", "localhost"),
                Integer.parseInt(env("RABBITMQ_PORT", "5672")), env("RABBITMQ_USERNAME", "guest"),
                env("RABBITMQ_PASSWORD", "guest"), env("RABBITMQ_VHOST", "/"));
    }

    public static String redisUrl() {
        String url = env("REDIS_URL", "redis://localhost:6379");
        return url.contains("://") ? url : "redis://" + url + (url.contains(":") ? "" : ":6379");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
