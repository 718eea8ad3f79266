package io.hlsfleet.upload;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.LadderPublisher;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.StageHandler;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The upload stage: publishes a job's ladder from staging to the bucket as {@code <videoId>/…},
 * master playlist last, then clears the job's staging files. When bucket and staging are on the
 * same S3 server the ladder is copied there, server-side, instead of passing through scratch.
 */
public final class UploadStage implements StageHandler {

    private final StagingArea staging;
    private final LadderPublisher publisher;

    public UploadStage(StagingArea staging, ObjectStore bucket, int parallelUploads) {
        this.staging = staging;
        this.publisher = new LadderPublisher(bucket, parallelUploads);
    }

    @Override
    public StageOutputs process(Job job, JobContext context) throws Exception {
        Path scratch = staging.newScratch(job.jobId());
        try {
            context.progress(0, "uploading");
            long bytes;
            try {
                bytes = publisher.publishStaged(job.videoId(), staging, StagingKeys.ladder(job), scratch);
            } catch (NoSuchFileException missing) {
                // A redelivered message whose first run already published and cleaned up.
                if (publisher.isPublished(job.videoId())) {
                    return job.outputs();
                }
                throw JobFailure.permanent("the encoded ladder is no longer in staging; submit the video again");
            }
            context.bytes("out", bytes);
            staging.delete(StagingKeys.jobPrefix(job));
            return job.outputs();
        } finally {
            staging.deleteScratch(scratch);
        }
    }

    /** A job given up here leaves nothing staged: its source and any ladder go with it. */
    @Override
    public void discard(Job job) {
        staging.discardJob(job);
    }
}
