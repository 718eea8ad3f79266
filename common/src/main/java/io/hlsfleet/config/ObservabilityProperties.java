package io.hlsfleet.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * Logs, traces and queue gauges of a worker.
 *
 * @param logJson JSON (ECS) log lines instead of text
 * @param otlpEndpoint where traces go (OTLP/HTTP); unset, no traces are exported
 * @param traceSampling which share of jobs is traced, 0 to 1; by default all when an endpoint is set
 * @param rabbitmqManagementUrl management API for queue depth and unacked gauges; by default port
 *        15672 on the AMQP host
 * @param queueMetricsInterval how often a worker reads queue depths from the broker
 */
@ConfigurationProperties("hlsfleet")
public record ObservabilityProperties(
        @DefaultValue("false") boolean logJson,
        String otlpEndpoint,
        Double traceSampling,
        String rabbitmqManagementUrl,
        @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration queueMetricsInterval) {

    public ObservabilityProperties {
        otlpEndpoint = otlpEndpoint == null || otlpEndpoint.isBlank() ? null : otlpEndpoint.strip();
        rabbitmqManagementUrl = rabbitmqManagementUrl == null || rabbitmqManagementUrl.isBlank() ? null
                : rabbitmqManagementUrl.strip();
    }
}
