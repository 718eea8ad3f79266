package io.hlsfleet.config;

import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.redis.RedisTransport;
import io.hlsfleet.worker.RetryPolicy;
import java.time.Duration;

/**
 * Settings every part of the fleet shares: which broker, where staging and the bucket are, how
 * failures are retried. Stage-specific settings live with their stage.
 *
 * @param broker {@code rabbitmq}, {@code redis} or {@code memory}
 * @param rabbit RabbitMQ connection, from Spring Boot's own {@code SPRING_RABBITMQ_*} names
 * @param redisUrl {@code HLSFLEET_REDIS_URL}
 * @param staging {@code HLSFLEET_STAGING}: a directory, or {@code s3://bucket/prefix}
 * @param bucket {@code HLSFLEET_BUCKET}: {@code file:///path}, a directory, or {@code s3://bucket/prefix}
 * @param retryPolicy {@code HLSFLEET_RETRY_DELAYS}, {@code HLSFLEET_MAX_ATTEMPTS}, {@code HLSFLEET_MAX_DELIVERIES}
 * @param shutdownGrace {@code HLSFLEET_SHUTDOWN_GRACE}: how long jobs in flight may finish on SIGTERM
 * @param consumerTimeout {@code HLSFLEET_CONSUMER_TIMEOUT}: the longest a RabbitMQ consumer may hold a message
 * @param redisLease {@code HLSFLEET_REDIS_LEASE}: how long a job held by a Redis consumer that stopped renewing
 *        it (because its worker died) waits before another worker takes it over
 * @param redisDeadLetterCap {@code HLSFLEET_REDIS_DEAD_LETTER_CAP}: how many dead letters each stage
 *        keeps on Redis, the newest (0: no cap)
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
        int redisDeadLetterCap) {

    public record RabbitSettings(String host, int port, String username, String password, String virtualHost) {
    }

    public static FleetConfig from(Settings settings) {
        RetryPolicy defaults = RetryPolicy.DEFAULT;
        RetryPolicy retry = new RetryPolicy(
                settings.durations("HLSFLEET_RETRY_DELAYS", defaults.delays()),
                settings.integer("HLSFLEET_MAX_ATTEMPTS", defaults.maxAttempts()),
                settings.integer("HLSFLEET_MAX_DELIVERIES", defaults.maxDeliveries()));
        String broker = settings.string("HLSFLEET_BROKER", "rabbitmq").toLowerCase(java.util.Locale.ROOT);
        if (!broker.equals("rabbitmq") && !broker.equals("redis") && !broker.equals("memory")) {
            throw new IllegalArgumentException("HLSFLEET_BROKER=" + broker + " is not one of rabbitmq, redis, memory");
        }
        return new FleetConfig(
                broker,
                new RabbitSettings(
                        settings.string("SPRING_RABBITMQ_HOST", "localhost"),
                        settings.integer("SPRING_RABBITMQ_PORT", 5672),
                        settings.string("SPRING_RABBITMQ_USERNAME", "guest"),
                        settings.string("SPRING_RABBITMQ_PASSWORD", "guest"),
                        settings.string("SPRING_RABBITMQ_VIRTUAL_HOST", "/")),
                settings.string("HLSFLEET_REDIS_URL", "redis://localhost:6379"),
                settings.string("HLSFLEET_STAGING", "./staging"),
                settings.string("HLSFLEET_BUCKET", "file:./cdn-bucket"),
                retry,
                settings.duration("HLSFLEET_SHUTDOWN_GRACE", Duration.ofMinutes(5)),
                settings.duration("HLSFLEET_CONSUMER_TIMEOUT", Duration.ofHours(24)),
                settings.duration("HLSFLEET_REDIS_LEASE", Duration.ofSeconds(60)),
                settings.integer("HLSFLEET_REDIS_DEAD_LETTER_CAP", RedisTransport.Settings.DEFAULT_DEAD_LETTER_CAP));
    }

    /** Default jobs in flight per process for a stage, overridden by {@code HLSFLEET_CONCURRENCY}. */
    public static int defaultConcurrency(Stage stage) {
        int cores = Runtime.getRuntime().availableProcessors();
        return switch (stage) {
            case DOWNLOAD -> 32;
            // One ffmpeg per core with one encoder thread each (jobs x threads = cores): x264 wastes
            // less on thread synchronisation than one job spread over all cores (bench/README.md).
            case ENCODE -> cores;
            case UPLOAD -> 4;
        };
    }

    public static int concurrency(Settings settings, Stage stage) {
        int value = settings.integer("HLSFLEET_CONCURRENCY", defaultConcurrency(stage));
        if (value < 1) {
            throw new IllegalArgumentException("HLSFLEET_CONCURRENCY must be at least 1");
        }
        return value;
    }
}
