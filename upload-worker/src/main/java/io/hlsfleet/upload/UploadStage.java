package io.hlsfleet.upload;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.StageHandler;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The upload stage: publishes a job's ladder from staging to the bucket as {@code <videoId>/…},
 * master playlist last, then deletes the staged files it was handed (its source and ladder keys,
 * never another attempt's). When bucket and staging are on the
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
            String ladder = job.outputs().ladder();
            if (ladder == null) {
                throw JobFailure.permanent("the job reached the upload without an encoded ladder");
            }
            long bytes;
            try {
                bytes = publisher.publishStaged(job.videoId(), staging, ladder, scratch);
            } catch (NoSuchFileException missing) {
                // A redelivered message whose first run already published and cleaned up.
                if (publisher.isPublished(job.videoId())) {
                    return job.outputs();
                }
                // Retryable: once the retries are used up the job is dead, and `dlq requeue` sends it
                // back to the encoder if the source is still staged.
                throw JobFailure.retryable("the encoded ladder is not in staging", missing);
            }
            context.bytes("out", bytes);
            staging.delete(ladder);
            if (job.outputs().source() != null) {
                staging.delete(job.outputs().source());
            }
            return job.outputs();
        } finally {
            staging.deleteScratch(scratch);
        }
    }
}
