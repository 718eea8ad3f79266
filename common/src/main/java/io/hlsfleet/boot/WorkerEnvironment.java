package io.hlsfleet.boot;

import io.hlsfleet.config.FleetProperties;
import io.hlsfleet.config.FleetProperties.Broker;
import io.hlsfleet.config.ObservabilityProperties;
import io.hlsfleet.config.Settings;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults every worker shares that depend on other settings, added with the lowest precedence
 * so that any property or variable set explicitly wins:
 * <ul>
 *   <li>Health groups: liveness is the application's own state only, so a broker outage never
 *       gets a worker restarted; readiness adds the broker in use ({@code rabbit} or {@code redis}),
 *       the staging area, the bucket and the start-up checks ({@code startupChecks}).</li>
 *   <li>Logs: the job id, video id and trace id of the job a line is about, from the MDC;
 *       {@code HLSFLEET_LOG_JSON=true} switches the console to JSON (Elastic Common Schema),
 *       which carries the same MDC fields.</li>
 *   <li>Traces: off unless an OTLP endpoint is configured ({@code HLSFLEET_OTLP_ENDPOINT} or Boot's
 *       own {@code management.opentelemetry.tracing.export.otlp.endpoint}); then every job is
 *       sampled unless {@code HLSFLEET_TRACE_SAMPLING} (0 to 1) says otherwise.</li>
 * </ul>
 */
public final class WorkerEnvironment implements EnvironmentPostProcessor {

    static final String OTLP_ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";
    /** The job's ids in front of each message; left out of lines that are not about a job. */
    static final String CORRELATION =
            "%replace(job=%X{jobId:-} video=%X{videoId:-} trace=%X{traceId:-} ){'^job= video= trace= $', ''}";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment.getPropertySources().addLast(new MapPropertySource("hlsfleetWorkerDefaults", defaults(environment)));
    }

    static Map<String, Object> defaults(ConfigurableEnvironment environment) {
        Settings settings = Settings.of(environment);
        Broker broker = settings.bind(FleetProperties.class).broker();
        ObservabilityProperties observability = settings.bind(ObservabilityProperties.class);
        Map<String, Object> defaults = new HashMap<>();
        String brokerCheck = switch (broker) {
            case RABBITMQ -> "rabbit,";
            case REDIS -> "redis,";
            case MEMORY -> "";
        };
        if (broker != Broker.RABBITMQ) {
            // Boot's RabbitMQ check would report a broker this worker does not use as down.
            defaults.put("management.health.rabbit.enabled", "false");
        }
        // Boot's connection factory is the transport's: it needs confirms, returns and heartbeats.
        defaults.put("spring.rabbitmq.publisher-confirm-type", "correlated");
        defaults.put("spring.rabbitmq.publisher-returns", "true");
        defaults.put("spring.rabbitmq.requested-heartbeat", "30s");
        defaults.put("management.endpoint.health.group.liveness.include", "livenessState");
        defaults.put("management.endpoint.health.group.readiness.include", "readinessState," + brokerCheck + "staging,bucket,startupChecks");
        defaults.put("management.endpoint.health.group.readiness.show-components", "always");
        // Why a worker is not ready (a failed start-up check, a store's answer) and the integrity
        // mode of its stores are in the details; the actuator port is for the orchestrator and operators.
        defaults.put("management.endpoint.health.group.readiness.show-details", "always");

        defaults.put("logging.pattern.correlation", CORRELATION);
        if (observability.logJson()) {
            defaults.put("logging.structured.format.console", "ecs");
        }

        String endpoint = observability.otlpEndpoint();
        if (endpoint != null) {
            defaults.put(OTLP_ENDPOINT, endpoint);
        }
        boolean exporting = endpoint != null || !environment.getProperty(OTLP_ENDPOINT, "").isBlank();
        Double sampling = observability.traceSampling();
        defaults.put("management.tracing.sampling.probability",
                sampling != null ? sampling.toString() : exporting ? "1.0" : "0.0");
        return defaults;
    }
}
