package io.hlsfleet.boot;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.transport.redis.RedisUrl;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * The start-up check of the broker: reads its version (RabbitMQ's server property
 * {@code version}, Redis's {@code INFO server}) and, on Redis, whether it accepts every command the
 * transport sends. A broker without a feature the fleet relies on keeps the worker not-ready with
 * the reason; one that lacks something an operator can make up for passes with a warning.
 * RabbitMQ is asked through the worker's own connection factory, the one the transport consumes
 * and publishes on, so the check sees the broker the worker really uses.
 */
final class BrokerCheck implements StartupCheck {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final FleetConfig config;
    private final ConnectionFactory rabbit;

    /** @param rabbit the transport's RabbitMQ connection factory; {@code null} on other brokers */
    BrokerCheck(FleetConfig config, ConnectionFactory rabbit) {
        this.config = config;
        this.rabbit = rabbit;
    }

    @Override
    public String name() {
        return "broker";
    }

    @Override
    public Map<String, Object> run() throws Exception {
        return switch (config.broker()) {
            case "rabbitmq" -> {
                String version = rabbitVersion();
                yield outcome("RabbitMQ " + version, BrokerVersions.rabbit(version, "HLSFLEET_CONSUMER_TIMEOUT",
                        config.consumerTimeout().toMillis()));
            }
            case "redis" -> redis();
            default -> Map.of();
        };
    }

    private static Map<String, Object> outcome(String found, BrokerVersions.Verdict verdict) {
        if (verdict.refusal() != null) {
            throw new IllegalStateException(verdict.refusal());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("version", found);
        if (verdict.warning() != null) {
            details.put("warning", verdict.warning());
        }
        return details;
    }

    private String rabbitVersion() {
        // The caching factory hands out its one shared connection; closing this handle keeps it open.
        try (Connection connection = rabbit.createConnection()) {
            Object version = connection.getDelegate().getServerProperties().get("version");
            return version == null ? "unknown" : version.toString();
        }
    }

    private Map<String, Object> redis() {
        try (Jedis jedis = RedisUrl.parse(config.redisUrl()).open(TIMEOUT)) {
            String version = infoField(jedis.info("server"), "redis_version");
            List<?> known = (List<?>) jedis.sendCommand(Protocol.Command.COMMAND,
                    withInfo(BrokerVersions.REDIS_COMMANDS));
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < BrokerVersions.REDIS_COMMANDS.size(); i++) {
                if (i >= known.size() || known.get(i) == null) {
                    missing.add(BrokerVersions.REDIS_COMMANDS.get(i));
                }
            }
            return outcome("Redis " + version, BrokerVersions.redis(version, missing));
        }
    }

    private static String[] withInfo(List<String> commands) {
        List<String> args = new ArrayList<>();
        args.add("INFO");
        args.addAll(commands);
        return args.toArray(String[]::new);
    }

    /** A field of an {@code INFO} answer ({@code name:value} lines), or {@code unknown}. */
    static String infoField(String info, String name) {
        return info.lines().filter(line -> line.startsWith(name + ":"))
                .map(line -> line.substring(name.length() + 1).strip()).findFirst().orElse("unknown");
    }
}
