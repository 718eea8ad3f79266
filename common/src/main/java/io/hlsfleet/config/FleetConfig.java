package io.hlsfleet.config;

import io.hlsfleet.worker.RetryPolicy;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What every part of the fleet needs to reach the others, gathered from the typed records
 * ({@link FleetProperties}, {@link StorageProperties}, {@link RetryProperties},
 * {@link RedisProperties}) and Boot's {@code spring.rabbitmq.*}. Stage-specific settings live with
 * their stage.
 *
 * @param broker {@code rabbitmq}, {@code redis} or {@code memory}
 * @param rabbit RabbitMQ connection, from Spring Boot's own {@code spring.rabbitmq.*} names
 * @param redisUrl the Redis broker
 * @param staging a directory, or {@code s3://bucket/prefix}
 * @param bucket {@code file:///path}, a directory, or {@code s3://bucket/prefix}
 * @param retryPolicy how failed jobs are retried
 * @param shutdownGrace how long jobs in flight may finish on SIGTERM
 * @param consumerTimeout the longest a RabbitMQ consumer may hold a message
 * @param redisLease how long a job held by a Redis consumer that stopped renewing it (because its
 *        worker died) waits before another worker takes it over
 * @param redisDeadLetterCap how many dead letters each stage keeps on Redis, the newest (0: no cap)
 * @param eventsMaxLength about how many job events the Redis events stream keeps
 */
public record FleetConfig(
        String broker,
        RabbitSettings rabbit,
        String redisUrl,
        String staging,
        String bucket,
        RetryPolicy retryPolicy,
        Duration shutdownGrace,
        Duration consumerTimeout,
        Duration redisLease,
        int redisDeadLetterCap,
        long eventsMaxLength) {

    /**
     * The RabbitMQ connection as the CLI and the management API client need it, bound from
     * {@code spring.rabbitmq.*} ({@code SPRING_RABBITMQ_HOST}, ...). The workers connect through
     * Spring Boot's own connection factory, configured by the same names; the port defaults as
     * Boot's does: 5671 with TLS, else 5672.
     */
    public record RabbitSettings(
            @DefaultValue("localhost") String host,
            @DefaultValue("0") int port,
            @DefaultValue("guest") String username,
            @DefaultValue("guest") String password,
            @DefaultValue("/") String virtualHost,
            @DefaultValue Ssl ssl) {

        public static final String PREFIX = "spring.rabbitmq";

        /** The constructor the settings are bound with. */
        @ConstructorBinding
        public RabbitSettings {
        }

        /** A plain (not TLS) connection. */
        public RabbitSettings(String host, int port, String username, String password, String virtualHost) {
            this(host, port, username, password, virtualHost, new Ssl(false));
        }

        /** The port given, else RabbitMQ's default for plain or TLS connections. */
        @Override
        public int port() {
            return port != 0 ? port : ssl.enabled() ? 5671 : 5672;
        }

        /**
         * TLS to the broker ({@code SPRING_RABBITMQ_SSL_ENABLED}). The server's certificate and host
         * name are checked against the JVM's trust store (its CA set, or
         * {@code -Djavax.net.ssl.trustStore=...} for a private CA).
         */
        public record Ssl(@DefaultValue("false") boolean enabled) {
        }
    }

    public static FleetConfig from(Settings settings) {
        FleetProperties fleet = settings.bind(FleetProperties.class);
        StorageProperties storage = settings.bind(StorageProperties.class);
        RedisProperties redis = settings.bind(RedisProperties.class);
        return new FleetConfig(
                fleet.broker().id(),
                settings.bind(RabbitSettings.PREFIX, RabbitSettings.class),
                redis.urlOrDefault(),
                storage.staging(),
                storage.bucket(),
                settings.bind(RetryProperties.class).policy(),
                fleet.shutdownGrace(),
                fleet.consumerTimeout(),
                redis.lease(),
                redis.deadLetterCap(),
                settings.bind(EventsProperties.class).redisMaxLength());
    }
}
