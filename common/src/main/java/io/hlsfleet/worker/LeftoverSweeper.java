package io.hlsfleet.worker;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.JobStatusStore;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * Removes, every {@code interval}, what workers killed mid-job left behind and no live attempt
 * owns ({@link StagingArea#sweep}, {@link ObjectStore#sweep}): anything untouched for longer than
 * {@code age}. With a status store it also removes the staged files of jobs that are done with
 * staging ({@link JobState#doneWithStaging}) and were not touched for as long: an attempt's output
 * that never reached the next stage (its worker was killed between storing and handing it on, or
 * the broker could not say whether the hand-off went through) is otherwise read and removed by
 * nobody. Every worker sweeps; sweeps of several workers at once only find less to remove.
 */
public final class LeftoverSweeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeftoverSweeper.class);

    private final StagingArea staging;
    private final ObjectStore bucket;
    /** Null without a status store: then no job's staged files are known to be done with. */
    private final JobStatusStore statuses;
    private final Duration age;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hlsfleet-leftover-sweeper").factory());

    /**
     * @param age {@code HLSFLEET_SWEEP_AGE}: how long a leftover stays untouched before it is
     *        removed; longer than any attempt stays silent (a live encode writes a segment every
     *        few seconds and is stopped after the stall timeout)
     * @param interval {@code HLSFLEET_SWEEP_INTERVAL}: time between sweeps
     */
    @ConfigurationProperties("hlsfleet.sweep")
    public record SweepSettings(
            @DefaultValue("24h") @DurationUnit(ChronoUnit.SECONDS) Duration age,
            @DefaultValue("1h") @DurationUnit(ChronoUnit.SECONDS) Duration interval) {

        public static final SweepSettings DEFAULT = new SweepSettings(Duration.ofHours(24), Duration.ofHours(1));

        public SweepSettings {
            if (age.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("HLSFLEET_SWEEP_AGE and HLSFLEET_SWEEP_INTERVAL must be at least 1s");
            }
        }

        public static SweepSettings from(Settings settings) {
            return settings.bind(SweepSettings.class);
        }
    }

    public LeftoverSweeper(StagingArea staging, ObjectStore bucket, Duration age, Clock clock) {
        this(staging, bucket, null, age, clock);
    }

    /** @param statuses where the sweeper learns which jobs are done with staging; closed with the sweeper */
    public LeftoverSweeper(StagingArea staging, ObjectStore bucket, JobStatusStore statuses, Duration age,
            Clock clock) {
        this.staging = staging;
        this.bucket = bucket;
        this.statuses = statuses;
        this.age = age;
        this.clock = clock;
    }

    /** Sweeps every {@code interval}, the first time after a random part of it so workers spread out. */
    public LeftoverSweeper start(Duration interval) {
        long period = interval.toMillis();
        timer.scheduleWithFixedDelay(this::sweepQuietly, ThreadLocalRandom.current().nextLong(period) + 1, period,
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** One sweep now; returns how many leftovers were removed. */
    public int sweep() throws IOException {
        Instant cutoff = clock.instant().minus(age);
        int removed = staging.sweep(cutoff) + bucket.sweep(cutoff) + sweepJobsDoneWithStaging(cutoff);
        if (removed > 0) {
            log.info("removed {} leftover(s) of attempts that stopped before {}", removed, cutoff);
        }
        return removed;
    }

    private int sweepJobsDoneWithStaging(Instant cutoff) throws IOException {
        if (statuses == null) {
            return 0;
        }
        int removed = 0;
        for (String jobId : staging.jobsUntouchedSince(cutoff)) {
            Optional<JobState> state = statuses.find(jobId).map(JobStatus::state);
            if (state.isPresent() && state.get().doneWithStaging()) {
                staging.delete(StagingKeys.jobPrefix(jobId));
                log.info("removed what was left staged for job {}, which is {}", jobId,
                        state.get().name().toLowerCase(Locale.ROOT));
                removed++;
            }
        }
        return removed;
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            // The next sweep tries again; leftovers cost space, not correctness.
            log.warn("sweeping leftovers failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (statuses != null) {
            statuses.close();
        }
    }
}
