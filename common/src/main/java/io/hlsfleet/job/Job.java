package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One video on its way through the fleet. Immutable: every stage hands a new copy to the next one.
 *
 * <p>Large payloads never travel in the message. What earlier stages produced is referenced by
 * staging keys in {@link #outputs()}; each attempt of a stage writes under keys of its own
 * ({@link StagingKeys}), so two runs of one job never touch each other's files, and the next stage
 * reads exactly what the run that handed the job on wrote.
 *
 * @param schemaVersion version of this message's JSON shape, {@link #SCHEMA_VERSION} when written
 * @param jobId unique per submission; names the job's staging keys
 * @param videoId derived from the source URL ({@link VideoId}); names the ladder in the bucket
 * @param sourceUrl what to download: an http(s) URL, {@code s3://} or (embedded mode only) a local path
 * @param attempt 1 for the first try of the current stage, incremented on each retry
 * @param stage the stage this message is queued for
 * @param submittedAt when the job entered the fleet; end-to-end latency is measured from here
 * @param updatedAt when this copy was written
 * @param outputs what earlier stages produced
 * @param force publish even when a ladder for this video id already exists
 * @param traceParent W3C {@code traceparent} of the span that queued this copy, so that every stage
 *     of one video joins one trace; null when tracing is off. Optional in the JSON: older messages
 *     and tools that write jobs by hand simply start a new trace.
 * @param intakeSeal the fleet's mark that {@code jobId} and {@code videoId} were given by the fleet
 *     itself ({@link Intake}); a job without a valid one is a new submission on the intake queue
 * @param priority which of the stage's queues the job waits in ({@link Priority}); normal when
 *     absent, as in messages of older releases
 * @param options what the submitter asked for beyond the operator's settings ({@link JobOptions}),
 *     checked at the intake; optional in the JSON
 * @param parentJobId the job whose URL named a feed, playlist or channel that listed this job's
 *     video ({@link #listed}); null for a job submitted on its own
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Job(
        int schemaVersion,
        String jobId,
        String videoId,
        String sourceUrl,
        int attempt,
        Stage stage,
        Instant submittedAt,
        Instant updatedAt,
        StageOutputs outputs,
        boolean force,
        String traceParent,
        String intakeSeal,
        Priority priority,
        JobOptions options,
        String parentJobId) {

    public static final int SCHEMA_VERSION = 1;

    public Job {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(sourceUrl, "sourceUrl");
        Objects.requireNonNull(stage, "stage");
        if (!VideoId.isSafe(jobId)) {
            throw new IllegalArgumentException("jobId '" + jobId + "' is not a safe path segment");
        }
        if (parentJobId != null && !VideoId.isSafe(parentJobId)) {
            throw new IllegalArgumentException("parentJobId '" + parentJobId + "' is not a safe path segment");
        }
        if (schemaVersion == 0) {
            schemaVersion = SCHEMA_VERSION;
        }
        if (videoId == null || videoId.isBlank()) {
            videoId = VideoId.fromSource(sourceUrl);
        } else if (!VideoId.isSafe(videoId)) {
            throw new IllegalArgumentException("videoId '" + videoId + "' is not a safe path segment");
        }
        if (attempt < 1) {
            attempt = 1;
        }
        if (submittedAt == null) {
            submittedAt = Instant.now();
        }
        if (updatedAt == null) {
            updatedAt = submittedAt;
        }
        if (outputs == null) {
            outputs = StageOutputs.NONE;
        }
        if (priority == null) {
            priority = Priority.NORMAL;
        }
        if (options == null) {
            options = JobOptions.NONE;
        }
    }

    /** A job without trace context, as written before jobs carried one. */
    public Job(int schemaVersion, String jobId, String videoId, String sourceUrl, int attempt, Stage stage,
            Instant submittedAt, Instant updatedAt, StageOutputs outputs, boolean force) {
        this(schemaVersion, jobId, videoId, sourceUrl, attempt, stage, submittedAt, updatedAt, outputs, force, null,
                null, Priority.NORMAL, null, null);
    }

    /** A new job for a source, queued for download. */
    public static Job submit(String sourceUrl, boolean force) {
        Instant now = Instant.now();
        return new Job(SCHEMA_VERSION, UUID.randomUUID().toString(), null, sourceUrl.strip(), 1,
                Stage.DOWNLOAD, now, now, StageOutputs.NONE, force);
    }

    /**
     * This job handed on to {@code nextStage}, with what the current stage produced. A job whose
     * URL named a web page takes the id of the video found there ({@link SourcePage#videoId}).
     * Only the download needs the source URL's query and user info (a signature, a token), so later
     * stages carry it {@linkplain SourceUrls#redact redacted}.
     */
    public Job advance(Stage nextStage, StageOutputs newOutputs) {
        String id = newOutputs.page() == null ? videoId : newOutputs.page().videoId();
        // A part names a piece of one stage's work: the next stage gets the whole job.
        StageOutputs handedOn = newOutputs.part() == null ? newOutputs : newOutputs.withPart(null);
        return new Job(SCHEMA_VERSION, jobId, id, SourceUrls.redact(sourceUrl), 1, nextStage, submittedAt,
                Instant.now(), handedOn, force, traceParent, intakeSeal, priority, options, parentJobId);
    }

    /**
     * The message of {@code part} of this job's work at its current stage, a first attempt queued
     * on the same stage.
     */
    public Job part(WorkPart part, StageOutputs current) {
        return new Job(SCHEMA_VERSION, jobId, videoId, sourceUrl, 1, stage, submittedAt, Instant.now(),
                current.withPart(part), force, traceParent, intakeSeal, priority, options, parentJobId);
    }

    /** This job queued again for the same stage, one attempt later. */
    public Job nextAttempt() {
        return new Job(SCHEMA_VERSION, jobId, videoId, sourceUrl, attempt + 1, stage, submittedAt, Instant.now(),
                outputs, force, traceParent, intakeSeal, priority, options, parentJobId);
    }

    /** This job back at its first attempt, as a requeued dead letter. */
    public Job firstAttempt() {
        return new Job(SCHEMA_VERSION, jobId, videoId, sourceUrl, 1, stage, submittedAt, Instant.now(), outputs,
                force, traceParent, intakeSeal, priority, options, parentJobId);
    }

    /** This job queued at {@code newPriority} instead. */
    public Job withPriority(Priority newPriority) {
        return new Job(schemaVersion, jobId, videoId, sourceUrl, attempt, stage, submittedAt, updatedAt, outputs,
                force, traceParent, intakeSeal, newPriority, options, parentJobId);
    }

    /** This job asking for {@code newOptions}, as {@code hlsfleet submit --option} queues it. */
    public Job withOptions(JobOptions newOptions) {
        return new Job(schemaVersion, jobId, videoId, sourceUrl, attempt, stage, submittedAt, updatedAt, outputs,
                force, traceParent, intakeSeal, priority, newOptions, parentJobId);
    }

    /** This job carrying {@code newTraceParent} (a W3C traceparent, or null for none). */
    public Job withTraceParent(String newTraceParent) {
        return new Job(schemaVersion, jobId, videoId, sourceUrl, attempt, stage, submittedAt, updatedAt, outputs,
                force, newTraceParent, intakeSeal, priority, options, parentJobId);
    }

    /** This job with its source URL {@linkplain SourceUrls#redact redacted}, as dead letters keep it. */
    public Job withRedactedSource() {
        return new Job(schemaVersion, jobId, videoId, SourceUrls.redact(sourceUrl), attempt, stage, submittedAt,
                updatedAt, outputs, force, traceParent, intakeSeal, priority, options, parentJobId);
    }

    /**
     * A job of its own for {@code entry} of the list this job's URL named, queued for download with
     * this job as its parent and asking for what this job asked for. Its id is derived from this
     * job's and the entry's URL, so listing the same feed again (a redelivered message) queues the
     * same jobs, not new ones.
     */
    public Job listed(ListEntry entry) {
        String childId = UUID.nameUUIDFromBytes((jobId + "\n" + entry.url()).getBytes(StandardCharsets.UTF_8))
                .toString();
        return new Job(SCHEMA_VERSION, childId, entry.publishedId(), entry.url().strip(), 1, Stage.DOWNLOAD,
                submittedAt, Instant.now(), StageOutputs.NONE, force, traceParent, null, priority, options, jobId);
    }

    /**
     * This job as the intake admits it: {@code jobId} and {@code videoId} given by the fleet, sealed.
     *
     * @param parent the parent the seal vouches for; null for a submission from outside the fleet
     */
    Job admitted(String newJobId, String newVideoId, String seal, String parent) {
        Instant now = Instant.now();
        return new Job(SCHEMA_VERSION, newJobId, newVideoId, sourceUrl, 1, Stage.DOWNLOAD, now, now,
                StageOutputs.NONE, force, traceParent, seal, priority, options, parent);
    }
}
