package io.hlsfleet.worker;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The metrics of one stage, all under {@code hlsfleet.stage.*} and tagged with the stage only
 * (plus bounded outcome/failure tags): never a URL or job id.
 *
 * <p>Every outcome counter exists from the start at zero, so that rates and dashboards show 0
 * rather than "no data" for a stage that has not failed yet, and the first failure shows up as
 * an increase.
 */
final class StageMetrics {

    private final MeterRegistry registry;
    private final Stage stage;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Timer succeededTimer;
    private final Timer failedTimer;
    private final Timer endToEnd;
    private final Counter started;

    StageMetrics(MeterRegistry registry, Stage stage) {
        this.registry = registry;
        this.stage = stage;
        registry.gauge("hlsfleet.stage.inflight", List.of(Tag.of("stage", stage.id())), inFlight);
        this.started = Counter.builder("hlsfleet.stage.started").description("Jobs this stage started")
                .tag("stage", stage.id()).register(registry);
        this.succeededTimer = durationTimer("succeeded");
        this.failedTimer = durationTimer("failed");
        this.endToEnd = Timer.builder("hlsfleet.job.latency")
                .description("Time from submission to published ladder")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofSeconds(1))
                .maximumExpectedValue(Duration.ofHours(6)).register(registry);
        for (List<String> outcome : OUTCOMES) {
            outcomeCounter(outcome.get(0), outcome.get(1));
        }
    }

    /** Every (outcome, failure class) pair {@link StageWorker} reports. */
    private static final List<List<String>> OUTCOMES = List.of(
            List.of("succeeded", "none"),
            List.of("retried", "retryable"),
            List.of("dead", "retryable"),
            List.of("dead", "permanent"),
            List.of("released", "none"));

    private Timer durationTimer(String outcome) {
        return Timer.builder("hlsfleet.stage.duration").description("Time one attempt of a stage took")
                .tag("stage", stage.id()).tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(100))
                .maximumExpectedValue(Duration.ofHours(6)).register(registry);
    }

    Timer.Sample start() {
        started.increment();
        inFlight.incrementAndGet();
        return Timer.start(registry);
    }

    void succeeded(Timer.Sample sample, Job job, boolean published) {
        inFlight.decrementAndGet();
        sample.stop(succeededTimer);
        outcome("succeeded", "none");
        if (published) {
            endToEnd.record(Duration.between(job.submittedAt(), Instant.now()));
        }
    }

    /** {@code outcome} is retried, dead or released; {@code failureClass} retryable or permanent. */
    void failed(Timer.Sample sample, String outcome, String failureClass) {
        inFlight.decrementAndGet();
        sample.stop(failedTimer);
        outcome(outcome, failureClass);
    }

    private void outcome(String outcome, String failureClass) {
        outcomeCounter(outcome, failureClass).increment();
    }

    private Counter outcomeCounter(String outcome, String failureClass) {
        return Counter.builder("hlsfleet.stage.jobs").description("Attempts of this stage by how they ended")
                .tag("stage", stage.id()).tag("outcome", outcome).tag("failure", failureClass).register(registry);
    }

    DistributionSummary bytes(String direction) {
        return DistributionSummary.builder("hlsfleet.stage.bytes").baseUnit("bytes")
                .description("Bytes a stage moved per job").tag("stage", stage.id()).tag("direction", direction)
                .register(registry);
    }
}
