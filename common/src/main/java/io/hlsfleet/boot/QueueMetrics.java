package io.hlsfleet.boot;

import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.QueueStats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's view of every stage's queues as gauges, tagged by stage only:
 * {@code hlsfleet.queue.depth} (ready), {@code hlsfleet.queue.unacked},
 * {@code hlsfleet.queue.oldest.age} (seconds) and {@code hlsfleet.dead.letters}.
 *
 * <p>The broker is polled on a background thread every {@code interval} and the gauges read the
 * cached answer, so a scrape never waits for the broker and many scrapes cost one poll. Every
 * worker exports every stage (dashboards combine them with {@code max}); a value the broker
 * cannot give, or that is not known yet, is NaN, which Prometheus aggregations skip.
 *
 * <p>Oldest-message age: used exactly when the broker reports it. Otherwise it is an upper bound
 * from facts that need no peeking: every waiting message was queued after the queue was last
 * seen empty, and, the queue being FIFO, after the newest message this worker took from it.
 * The bound is exact for a stuck queue and off by about one hand-off for a moving one; workers
 * that know a tighter bound are preferred by combining the series with {@code min}.
 */
public final class QueueMetrics implements MeterBinder, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueueMetrics.class);

    private final QueueStats stats;
    private final Duration interval;
    private final Stage ownStage;
    private final Supplier<Optional<Instant>> lastTakenQueuedAt;
    private final Clock clock;
    private final Map<Stage, QueueStats.Snapshot> latest = new EnumMap<>(Stage.class);
    private final Map<Stage, Instant> lastSeenEmpty = new EnumMap<>(Stage.class);
    private ScheduledExecutorService poller;
    private boolean failing;

    /**
     * @param ownStage the stage this worker consumes; its last taken message tightens the age bound
     * @param lastTakenQueuedAt when the newest message this worker took had been queued
     */
    public QueueMetrics(QueueStats stats, Duration interval, Stage ownStage,
            Supplier<Optional<Instant>> lastTakenQueuedAt, Clock clock) {
        this.stats = stats;
        this.interval = interval;
        this.ownStage = ownStage;
        this.lastTakenQueuedAt = lastTakenQueuedAt;
        this.clock = clock;
    }

    /** Registers the gauges and starts polling the broker. */
    @Override
    public void bindTo(MeterRegistry registry) {
        register(registry);
        start();
    }

    /** The gauges alone, polled only by explicit {@link #poll()} calls: for tests. */
    void register(MeterRegistry registry) {
        for (Stage stage : Stage.values()) {
            gauge(registry, "hlsfleet.queue.depth", "Messages waiting in the stage's queue", null, stage,
                    s -> count(s.ready()));
            gauge(registry, "hlsfleet.queue.unacked", "Messages of the stage's queue held by workers", null, stage,
                    s -> count(s.unacked()));
            gauge(registry, "hlsfleet.dead.letters", "Messages in the stage's dead-letter queue", null, stage,
                    s -> count(s.deadLetters()));
            Gauge.builder("hlsfleet.queue.oldest.age", this, m -> m.oldestAgeSeconds(stage))
                    .description("Upper bound on how long the oldest waiting message of the stage has waited")
                    .baseUnit("seconds").tag("stage", stage.id()).register(registry);
        }
    }

    private void gauge(MeterRegistry registry, String name, String description, String unit, Stage stage,
            ToDoubleFunction<QueueStats.Snapshot> value) {
        Gauge.builder(name, this, m -> {
            QueueStats.Snapshot snapshot = m.snapshot(stage);
            return snapshot == null ? Double.NaN : value.applyAsDouble(snapshot);
        }).description(description).baseUnit(unit).tag("stage", stage.id()).register(registry);
    }

    private static double count(long value) {
        return value < 0 ? Double.NaN : value;
    }

    private synchronized void start() {
        if (poller == null) {
            poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("hlsfleet-queue-metrics").factory());
            poller.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Asks the broker once. */
    void poll() {
        Map<Stage, QueueStats.Snapshot> snapshot;
        try {
            snapshot = stats.snapshot();
        } catch (RuntimeException e) {
            synchronized (this) {
                latest.clear();
                if (!failing) {
                    log.warn("cannot read queue statistics; queue gauges report NaN until the broker answers: {}",
                            e.getMessage());
                }
                failing = true;
            }
            return;
        }
        Instant now = clock.instant();
        synchronized (this) {
            if (failing) {
                log.info("queue statistics available again");
            }
            failing = false;
            latest.putAll(snapshot);
            snapshot.forEach((stage, s) -> {
                if (s.ready() == 0) {
                    lastSeenEmpty.put(stage, now);
                }
            });
        }
    }

    private synchronized QueueStats.Snapshot snapshot(Stage stage) {
        return latest.get(stage);
    }

    synchronized double oldestAgeSeconds(Stage stage) {
        QueueStats.Snapshot snapshot = latest.get(stage);
        if (snapshot == null || snapshot.ready() < 0) {
            return Double.NaN;
        }
        if (snapshot.ready() == 0) {
            return 0;
        }
        Instant now = clock.instant();
        if (snapshot.oldestQueuedAt() != null) {
            return secondsSince(snapshot.oldestQueuedAt(), now);
        }
        Instant bound = lastSeenEmpty.get(stage);
        if (stage == ownStage) {
            Optional<Instant> taken = lastTakenQueuedAt.get();
            if (taken.isPresent() && (bound == null || taken.get().isAfter(bound))) {
                bound = taken.get();
            }
        }
        return bound == null ? Double.NaN : secondsSince(bound, now);
    }

    private static double secondsSince(Instant then, Instant now) {
        return Math.max(0, Duration.between(then, now).toMillis() / 1000.0);
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }
}
