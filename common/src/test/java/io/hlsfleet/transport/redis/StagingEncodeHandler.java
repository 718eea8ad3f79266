package io.hlsfleet.transport.redis;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.StageHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An encode handler for tests of what a stage attempt leaves staged: each run stages a one-file
 * ladder under a key of its own attempt, then runs {@code afterStaging}, then hands the ladder on;
 * an attempt the broker took back removes what it staged, as the real stages do.
 */
final class StagingEncodeHandler implements StageHandler {

    /** What a run does between staging its ladder and returning. */
    interface AfterStaging {
        void run(int run, String stagedKey) throws Exception;
    }

    private final StagingArea staging;
    private final Path work;
    private final AfterStaging afterStaging;
    private final List<String> stagedKeys = new CopyOnWriteArrayList<>();

    StagingEncodeHandler(StagingArea staging, Path work, AfterStaging afterStaging) {
        this.staging = staging;
        this.work = work;
        this.afterStaging = afterStaging;
    }

    /** The key each run staged its ladder under, in the order of the runs. */
    List<String> stagedKeys() {
        return stagedKeys;
    }

    @Override
    public StageOutputs process(Job job, JobContext context) throws Exception {
        String key = StagingKeys.ladder(job, StagingKeys.newAttempt());
        Path ladder = Files.createDirectories(work.resolve("ladder-" + StagingKeys.attemptOf(key)));
        Files.writeString(ladder.resolve("master.m3u8"), "#EXTM3U\n");
        staging.store(key, ladder);
        stagedKeys.add(key);
        afterStaging.run(stagedKeys.size(), key);
        return job.outputs().withLadder(key, 1);
    }

    @Override
    public void abandoned(Job job, StageOutputs outputs) throws IOException {
        staging.deleteAll(outputs.stagedSince(job.outputs()));
    }
}
