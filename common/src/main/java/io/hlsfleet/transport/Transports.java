package io.hlsfleet.transport;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.transport.rabbit.RabbitTransport;
import io.hlsfleet.transport.redis.RedisTransport;

/** Connects the transport named by {@code HLSFLEET_BROKER}. */
public final class Transports {

    private Transports() {
    }

    public static Transport connect(FleetConfig config) {
        return switch (config.broker()) {
            case "rabbitmq" -> RabbitTransport.connect(config);
            case "memory" -> new InMemoryTransport();
            case "redis" -> RedisTransport.connect(config);
            default -> throw new IllegalArgumentException("unknown broker " + config.broker());
        };
    }
}
