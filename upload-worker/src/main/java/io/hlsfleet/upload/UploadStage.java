package io.hlsfleet.upload;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.KeyStore;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.StageHandler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload stage: publishes a job's ladder from staging to the bucket as a new generation of its
 * video ({@code <videoId>/<generation>/…}), its key to the key store, and the master playlist
 * {@code <videoId>/master.m3u8} last ({@link LadderPublisher}); then deletes the staged files it was
 * handed (its source, ladder and key, never another attempt's; for a video encoded in chunks,
 * everything staged for the job), and leaves the generations it replaced to
 * {@link OldGenerations}. When bucket and staging are on the same S3 server the ladder
 * is copied there, server-side, instead of passing through scratch.
 *
 * <p>A cancel stops the upload between files (transfers under way finish, so that everything it
 * wrote is known) until the moment before the master is written ({@link JobContext#commit}); what it
 * wrote of the new generation is then removed, and the published video is left as it was.
 */
public final class UploadStage implements StageHandler, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UploadStage.class);

    private final StagingArea staging;
    private final ObjectStore bucket;
    private final LadderPublisher publisher;
    private final KeyStore keys;
    private final OldGenerations oldGenerations;

    /** A stage without a key store whose replaced generations are removed a day later. */
    public UploadStage(StagingArea staging, ObjectStore bucket, int parallelUploads) {
        this(staging, bucket, parallelUploads, null,
                new OldGenerations(bucket, null, Duration.ofHours(24), Clock.systemUTC()));
    }

    /** @param keys where the keys of encrypted ladders go, or null when there is no key store */
    UploadStage(StagingArea staging, ObjectStore bucket, int parallelUploads, KeyStore keys,
            OldGenerations oldGenerations) {
        this.staging = staging;
        this.bucket = bucket;
        this.publisher = new LadderPublisher(bucket, parallelUploads);
        this.keys = keys;
        this.oldGenerations = oldGenerations;
    }

    @Override
    public StageOutputs process(Job job, JobContext context) throws Exception {
        Path scratch = staging.newScratch(job.jobId());
        try {
            context.progress(0, "uploading");
            StageOutputs outputs = job.outputs();
            String ladder = outputs.ladder();
            if (ladder == null) {
                throw JobFailure.permanent("the job reached the upload without an encoded ladder");
            }
            if (outputs.key() != null && keys == null) {
                throw JobFailure.permanent("the ladder is encrypted, and the upload stage has no key store to publish its"
                        + " key to: set HLSFLEET_ENCRYPTION_KEY_STORE");
            }
            // Ladders of older encoders carry no generation; their staging attempt names one.
            String generation = outputs.generation() != null ? outputs.generation() : StagingKeys.attemptOf(ladder);
            oldGenerations.beforePublish(job.videoId());
            long bytes;
            try {
                bytes = publisher.publishStaged(job.videoId(), generation, staging, ladder, scratch, () -> {
                    if (outputs.key() != null) {
                        keys.publish(job.videoId(), generation, staging.fetch(outputs.key(), scratch));
                    }
                    // The last moment a cancel can stop the upload; after it, the master is written.
                    if (!context.commit()) {
                        throw new InterruptedIOException("cancelled before the master playlist was written");
                    }
                });
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (context.cancelled()) {
                    removeCancelled(job.videoId(), generation, outputs.key() != null);
                    throw e;
                }
                if (e instanceof NoSuchFileException missing) {
                    // A redelivered message whose first run already published and cleaned up.
                    if (publisher.isPublished(job.videoId(), generation)) {
                        return outputs.withGeneration(generation, outputs.key());
                    }
                    // Retryable: once the retries are used up the job is dead, and `dlq requeue` sends it
                    // back to the encoder if the source is still staged.
                    throw JobFailure.retryable("the encoded ladder is not in staging", missing);
                }
                throw e;
            }
            context.bytes("out", bytes);
            oldGenerations.afterPublish(job.videoId());
            // A video encoded in chunks keeps them until it is published, and every ladder assembled
            // from them is this generation (one assembly redelivered, or abandoned by a worker the
            // broker cut off): once it is published, nothing staged for the job is read again. Any
            // other ladder's generation is its own staging attempt: only what this message names goes.
            if (generation.equals(StagingKeys.attemptOf(ladder))) {
                staging.deleteAll(Stream.of(ladder, outputs.key(), outputs.source()).filter(Objects::nonNull).toList());
            } else {
                staging.delete(StagingKeys.jobPrefix(job));
            }
            return outputs.withGeneration(generation, outputs.key());
        } finally {
            staging.deleteScratch(scratch);
        }
    }

    /**
     * Removes what a cancelled upload wrote of {@code generation}: its objects in the bucket and its
     * key. Never the generation the video's master names (a redelivered upload of a published
     * generation), and never the master: the video stays as it was before the upload began.
     */
    private void removeCancelled(String videoId, String generation, boolean withKey) {
        // The cancel interrupted this thread to stop the transfers; the removal must not inherit it.
        boolean interrupted = Thread.interrupted();
        try {
            if (generation.equals(publisher.publishedGeneration(videoId))) {
                return;
            }
            List<String> written = bucket.list(LadderPublisher.generationFolder(videoId, generation)).stream()
                    .map(ObjectStore.StoredObject::key).toList();
            bucket.delete(written);
            if (withKey && keys != null) {
                keys.remove(videoId, List.of(generation));
            }
            log.info("cancelled upload of {}: removed the {} objects it wrote of generation {}", videoId,
                    written.size(), generation);
        } catch (IOException | RuntimeException e) {
            log.warn("could not remove what the cancelled upload of {} wrote of generation {}: {}", videoId, generation,
                    e.toString());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        oldGenerations.close();
    }
}
