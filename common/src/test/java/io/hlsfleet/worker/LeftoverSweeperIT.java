package io.hlsfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.RedisJobStatusStore;
import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.testing.Brokers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the fleet's status store (a real Redis), the sweeper removes what is left staged for jobs
 * that are done with staging, and only once it was untouched for the sweep age.
 */
class LeftoverSweeperIT {

    private static final Duration AGE = Duration.ofHours(1);

    @TempDir
    Path tmp;

    @Test
    void removesWhatIsLeftStagedForJobsDoneWithStagingOnly() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(tmp.resolve("staging"));
        LocalObjectStore bucket = new LocalObjectStore(tmp.resolve("bucket"));
        Instant old = Instant.now().minus(AGE.multipliedBy(2));
        try (RedisJobStatusStore statuses = new RedisJobStatusStore(Brokers.redisUrl())) {
            Path published = stagedSource(staging, statuses, JobState.PUBLISHED, old);
            Path cancelled = stagedSource(staging, statuses, JobState.CANCELLED, old);
            Path dead = stagedSource(staging, statuses, JobState.DEAD, old);
            Path encoding = stagedSource(staging, statuses, JobState.ENCODING, old);
            Path unknown = stagedSource(staging, null, null, old);
            Path publishedJustNow = stagedSource(staging, statuses, JobState.PUBLISHED, Instant.now());

            assertThat(new LeftoverSweeper(staging, bucket, AGE, Clock.systemUTC()).sweep())
                    .as("without a status store").isZero();
            LeftoverSweeper sweeper = new LeftoverSweeper(staging, bucket,
                    new RedisJobStatusStore(Brokers.redisUrl()), AGE, Clock.systemUTC());
            try (sweeper) {
                assertThat(sweeper.sweep()).isEqualTo(2);
            }

            assertThat(published.getParent()).doesNotExist();
            assertThat(cancelled.getParent()).doesNotExist();
            assertThat(dead).as("a dead job's input, kept for dlq requeue").exists();
            assertThat(encoding).exists();
            assertThat(unknown).as("a job the store does not know").exists();
            assertThat(publishedJustNow).as("touched within the sweep age").exists();
        }
    }

    /** A source staged for a new job, written at {@code modified}, whose status is {@code state}. */
    private static Path stagedSource(LocalStagingArea staging, RedisJobStatusStore statuses, JobState state,
            Instant modified) throws IOException {
        Job job = Job.submit("https://videos.example/" + state + "-" + System.nanoTime() + ".mp4", false);
        Path scratch = staging.newScratch(job.jobId());
        String key = StagingKeys.source(job, StagingKeys.newAttempt());
        staging.store(key, Files.writeString(scratch.resolve("source"), "video"));
        staging.deleteScratch(scratch);
        if (statuses != null) {
            statuses.save(new JobStatus(job.jobId(), job.videoId(), job.sourceUrl(), state, -1, null, 1, null,
                    Instant.now(), Instant.now(), null));
        }
        Path file = staging.root().resolve(key);
        try (Stream<Path> tree = Files.walk(file.getParent())) {
            for (Path entry : tree.toList()) {
                Files.setLastModifiedTime(entry, FileTime.from(modified));
            }
        }
        return file;
    }
}
