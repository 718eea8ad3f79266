package io.hlsfleet.boot;

import java.util.HashMap;
import java.util.Locale;
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
 *       the staging area and the bucket.</li>
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
        Map<String, Object> defaults = new HashMap<>();
        String broker = environment.getProperty("HLSFLEET_BROKER", "rabbitmq").toLowerCase(Locale.ROOT);
        String brokerCheck = switch (broker) {
            case "rabbitmq" -> "rabbit,";
            case "redis" -> "redis,";
            default -> "";
        };
        if (!broker.equals("rabbitmq")) {
            // Boot's RabbitMQ check would report a broker this worker does not use as down.
            defaults.put("management.health.rabbit.enabled", "false");
        }
        defaults.put("management.endpoint.health.group.liveness.include", "livenessState");
        defaults.put("management.endpoint.health.group.readiness.include", "readinessState," + brokerCheck + "staging,bucket");
        defaults.put("management.endpoint.health.group.readiness.show-components", "always");

        defaults.put("logging.pattern.correlation", CORRELATION);
        if (Boolean.parseBoolean(environment.getProperty("HLSFLEET_LOG_JSON", "false").strip())) {
            defaults.put("logging.structured.format.console", "ecs");
        }

        String endpoint = environment.getProperty("HLSFLEET_OTLP_ENDPOINT", "").strip();
        if (!endpoint.isEmpty()) {
            defaults.put(OTLP_ENDPOINT, endpoint);
        }
        boolean exporting = !endpoint.isEmpty() || !environment.getProperty(OTLP_ENDPOINT, "").isBlank();
        defaults.put("management.tracing.sampling.probability",
                environment.getProperty("HLSFLEET_TRACE_SAMPLING", exporting ? "1.0" : "0.0"));
        return defaults;
    }
}
