package io.hlsfleet.encode;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.StageHandler;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The encode stage: fetches the staged source, runs the admission gate on it, encodes its ladder
 * in scratch space, and stores the finished ladder in staging under a key derived from the job id
 * and this attempt; the attempt also names the generation the ladder is published as. A video
 * longer than the chunking threshold is split into chunk jobs instead ({@link ChunkedEncode}).
 */
public final class EncodeStage implements StageHandler {

    private final StagingArea staging;
    private final Prober prober;
    private final EncodeSettings settings;
    private final EncodeMetrics metrics;
    private final LadderEncoder encoder;
    private final SegmentEncryption encryption;
    private final ChunkedEncode chunked;

    public EncodeStage(StagingArea staging, EncodeSettings settings, EncodeMetrics metrics) {
        this(staging, settings, metrics, SegmentEncryption.disabled());
    }

    public EncodeStage(StagingArea staging, EncodeSettings settings, EncodeMetrics metrics,
            SegmentEncryption encryption) {
        this(staging, settings, metrics, encryption, ChunkProperties.OFF);
    }

    /** @param chunking when a long video is encoded as chunks that any encode worker may take ({@link ChunkedEncode}) */
    public EncodeStage(StagingArea staging, EncodeSettings settings, EncodeMetrics metrics,
            SegmentEncryption encryption, ChunkProperties chunking) {
        this.staging = staging;
        this.settings = settings;
        this.metrics = metrics;
        this.encryption = encryption;
        this.prober = Prober.of(settings);
        this.encoder = new LadderEncoder(settings, metrics);
        this.chunked = new ChunkedEncode(staging, prober, chunking);
    }

    /**
     * Whether this job's segments are encrypted: as the operator set it, unless the job's
     * {@code encryption} option says otherwise. Asking for it where it cannot be done fails the
     * job, so a site never gets in the clear what it asked to have encrypted.
     */
    private boolean encrypted(Boolean asked, Container container) throws JobFailure {
        boolean wanted = asked == null ? encryption.enabled() : asked;
        if (wanted && !encryption.enabled()) {
            throw JobFailure.permanent("the job asks for encryption, but this fleet has none configured"
                    + " (HLSFLEET_ENCRYPTION=aes-128 and its key settings)");
        }
        if (wanted && container != Container.MPEGTS) {
            throw JobFailure.permanent("AES-128 encryption works with ts segments only, and this job's ladder is "
                    + container.segmentType());
        }
        return wanted;
    }

    @Override
    public StageOutputs process(Job job, JobContext context) throws Exception {
        if (job.outputs().source() == null) {
            throw JobFailure.permanent("the job reached the encoder without a downloaded source");
        }
        EncodeSettings jobSettings = settings.forJob(job.options());
        LadderEncoder jobEncoder = jobSettings == settings ? encoder : new LadderEncoder(jobSettings, metrics);
        boolean encrypted = encrypted(job.options().encryption(), jobSettings.profile().container());
        try {
            return job.outputs().part() != null ? chunked.process(job, job.outputs().part(), jobEncoder, context)
                    : encodeWhole(job, jobSettings, jobEncoder, encrypted, context);
        } catch (IOException e) {
            // A full disk is a passing fault of this worker, not of the video: worth another attempt.
            throw JobFailure.diskFull(e) ? JobFailure.retryable("the encoder's disk is full", e) : e;
        }
    }

    @Override
    public void abandoned(Job job, StageOutputs outputs) throws IOException {
        staging.deleteAll(outputs.stagedSince(job.outputs()));
    }

    /** The ladder of the whole video by one ffmpeg, or its split into chunks when it is long enough. */
    private StageOutputs encodeWhole(Job job, EncodeSettings jobSettings, LadderEncoder jobEncoder, boolean encrypted,
            JobContext context) throws JobFailure, IOException, InterruptedException {
        Path scratch = staging.newScratch(job.jobId());
        try {
            Path source;
            try {
                source = staging.fetch(job.outputs().source(), scratch);
            } catch (NoSuchFileException missing) {
                // Retryable: another attempt may still be storing it. Once the retries are used up
                // the job is dead, and `dlq requeue` sends it back to the download.
                throw JobFailure.retryable("the downloaded source is not in staging", missing);
            }
            MediaInfo media = prober.probe(source);
            ChunkPlan plan = chunked.plan(jobSettings, encrypted, media);
            if (plan.chunked()) {
                return chunked.split(job, plan);
            }
            Path ladder = scratch.resolve("ladder");
            // The attempt names the ladder's staging keys and the generation it is published as.
            String attempt = StagingKeys.newAttempt();
            SegmentEncryption.VideoKey videoKey = encrypted ? encryption.newKey(job.videoId(), attempt) : null;
            LadderEncoder.Result result = jobEncoder.encode(source, media, ladder, context, videoKey);
            LadderCheck.verify(ladder);
            String stagedKey = null;
            if (videoKey != null) {
                // Staged beside the ladder, not in it: the upload stage writes it to the key store
                // when it publishes the ladder, and never publishes it with the segments.
                stagedKey = StagingKeys.key(job, attempt);
                staging.store(stagedKey, videoKey.writeTo(scratch.resolve("aes-128.key")));
            }
            String key = StagingKeys.ladder(job, attempt);
            staging.store(key, ladder);
            return job.outputs().withLadder(key, media.durationSeconds()).withPictures(result.pictures())
                    .withRenditions(result.renditions()).withGeneration(attempt, stagedKey);
        } finally {
            staging.deleteScratch(scratch);
        }
    }
}
