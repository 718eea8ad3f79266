package io.hlsfleet.config;

import io.hlsfleet.job.Stage;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * How a worker process runs: which broker chains the stages, how many jobs it takes at once, how
 * it shuts down. Durations without a unit are seconds.
 *
 * @param broker which broker chains the stages ({@code memory} works within one process only)
 * @param concurrency jobs in flight in one worker process; by default download 32, encode one per
 *        core, upload 4 (see {@link #concurrency(Stage)})
 * @param shutdownGrace how long jobs in flight may finish after SIGTERM
 * @param consumerTimeout RabbitMQ {@code x-consumer-timeout} of the stage queues: longer than any encode
 */
@ConfigurationProperties("hlsfleet")
public record FleetProperties(
        @DefaultValue("rabbitmq") Broker broker,
        Integer concurrency,
        @DefaultValue("5m") @DurationUnit(ChronoUnit.SECONDS) Duration shutdownGrace,
        @DefaultValue("24h") @DurationUnit(ChronoUnit.SECONDS) Duration consumerTimeout) {

    /** The brokers a fleet can run on. */
    public enum Broker {
        RABBITMQ, REDIS, MEMORY;

        /** The name as it is configured, {@code rabbitmq}. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public FleetProperties {
        if (concurrency != null && concurrency < 1) {
            throw new IllegalArgumentException("HLSFLEET_CONCURRENCY must be at least 1");
        }
    }

    /** Jobs in flight for a worker process of {@code stage}: the configured number, else the stage's default. */
    public int concurrency(Stage stage) {
        return concurrency != null ? concurrency : defaultConcurrency(stage);
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
}
