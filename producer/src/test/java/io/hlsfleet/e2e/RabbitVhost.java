package io.hlsfleet.e2e;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.testing.Brokers;
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

    /** The settings that point a worker at this vhost of the broker {@link Brokers} chose, management API included. */
    Map<String, String> brokerEnvironment() {
        FleetConfig.RabbitSettings rabbit = Brokers.rabbit();
        return Map.of(
                "HLSFLEET_BROKER", "rabbitmq",
                "SPRING_RABBITMQ_HOST", rabbit.host(),
                "SPRING_RABBITMQ_PORT", Integer.toString(rabbit.port()),
                "SPRING_RABBITMQ_USERNAME", rabbit.username(),
                "SPRING_RABBITMQ_PASSWORD", rabbit.password(),
                "SPRING_RABBITMQ_VIRTUAL_HOST", name,
                "HLSFLEET_RABBITMQ_MANAGEMENT_URL", Brokers.rabbitManagementUrl());
    }

    @Override
    public void close() {
        Brokers.deleteRabbitVhost(name);
    }
}
