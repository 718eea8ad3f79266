package io.hlsfleet.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Runs a worker's {@link StartupCheck}s before it consumes. When all pass, the worker starts;
 * when one fails, the worker stays not-ready with the check's reason (readiness component
 * {@code startupChecks}) and the checks run again every {@code retryInterval}, so fixing the store
 * or the broker brings the worker up without a restart. A misconfiguration thus costs one line in
 * the log and a not-ready worker, instead of a retry of every job it would have taken.
 */
final class StartupGate implements HealthIndicator, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StartupGate.class);

    private final List<StartupCheck> checks;
    private final Duration retryInterval;
    private volatile Map<String, Object> details = Map.of("checks", "not run yet");
    private volatile String failure = "the start-up checks have not run yet";
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private volatile Thread retrying;
    private volatile boolean closed;

    StartupGate(List<StartupCheck> checks, Duration retryInterval) {
        this.checks = List.copyOf(checks);
        this.retryInterval = retryInterval;
    }

    /**
     * Runs the checks and calls {@code onPassed} once they all pass: at once if they do now, else
     * from a background thread that repeats them until they do or the gate is closed.
     */
    synchronized void open(Runnable onPassed) {
        if (runChecks()) {
            onPassed.run();
            return;
        }
        retrying = Thread.ofVirtual().name("startup-checks").start(() -> {
            try {
                while (!closed) {
                    Thread.sleep(retryInterval);
                    if (!closed && runChecks()) {
                        synchronized (this) {
                            if (!closed) {
                                onPassed.run();
                            }
                        }
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** True if every check passed; records what readiness shows either way. */
    private boolean runChecks() {
        Map<String, Object> found = new LinkedHashMap<>();
        String firstFailure = null;
        for (StartupCheck check : checks) {
            try {
                Map<String, Object> result = check.run();
                found.put(check.name(), result.isEmpty() ? "passed" : result);
                Object warning = result.get("warning");
                if (warning != null && warned.add(check.name() + warning)) {
                    log.warn("start-up check {}: {}", check.name(), warning);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                found.put(check.name(), "interrupted");
                firstFailure = firstFailure != null ? firstFailure : check.name() + ": interrupted";
            } catch (Exception e) {
                String reason = e.getMessage() != null ? e.getMessage() : e.toString();
                found.put(check.name(), Map.of("failed", reason));
                if (firstFailure == null) {
                    firstFailure = check.name() + ": " + reason;
                }
                log.error("start-up check {} failed; this worker takes no jobs until it passes (checked again every {}s): {}",
                        check.name(), retryInterval.toSeconds(), reason);
            }
        }
        details = Map.copyOf(found);
        failure = firstFailure;
        return firstFailure == null;
    }

    @Override
    public Health health() {
        String reason = failure;
        return reason == null ? Health.up().withDetails(details).build()
                : Health.down().withDetail("reason", reason).withDetails(details).build();
    }

    @Override
    public void close() {
        closed = true;
        Thread thread = retrying;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
