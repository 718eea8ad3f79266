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
        for (Outcome.Ending ending : Outcome.Ending.ALL) {
            outcomeCounter(ending.outcome(), ending.failure());
        }
    }

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
        outcomeCounter(Outcome.SUCCEEDED, Outcome.FailureClass.NONE).increment();
        if (published) {
            endToEnd.record(Duration.between(job.submittedAt(), Instant.now()));
        }
    }

    /** An attempt that did not succeed: retried, dead, released or abandoned. */
    void failed(Timer.Sample sample, Outcome outcome, Outcome.FailureClass failureClass) {
        inFlight.decrementAndGet();
        sample.stop(failedTimer);
        outcomeCounter(outcome, failureClass).increment();
    }

    private Counter outcomeCounter(Outcome outcome, Outcome.FailureClass failureClass) {
        return Counter.builder("hlsfleet.stage.jobs").description("Attempts of this stage by how they ended")
                .tag("stage", stage.id()).tag("outcome", outcome.tag()).tag("failure", failureClass.tag())
                .register(registry);
    }

    DistributionSummary bytes(String direction) {
        return DistributionSummary.builder("hlsfleet.stage.bytes").baseUnit("bytes")
                .description("Bytes a stage moved per job").tag("stage", stage.id()).tag("direction", direction)
                .register(registry);
    }
}
