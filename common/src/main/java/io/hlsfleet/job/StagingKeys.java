package io.hlsfleet.job;

import java.util.UUID;

/**
 * The staging keys of a job. Every attempt of a stage writes under keys of its own
 * ({@code jobs/<jobId>/<what>-<attempt>}) and hands them on in the job's {@link StageOutputs}, so
 * two runs of one job (a lease lost under a live worker, a connection cut mid-encode) never write
 * to, read from or delete each other's files: whichever hands on first is what the next stage reads.
 */
public final class StagingKeys {

    private StagingKeys() {
    }

    /** Prefix under which everything of one job is staged; deleting it cleans the job up. */
    public static String jobPrefix(Job job) {
        return "jobs/" + job.jobId();
    }

    /** A fresh name for one attempt of one stage, unique across workers. */
    public static String newAttempt() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** Where {@code attempt} of the download stage stores the source. */
    public static String source(Job job, String attempt) {
        return jobPrefix(job) + "/source-" + attempt;
    }

    /** Where {@code attempt} of the encode stage stores the ladder. */
    public static String ladder(Job job, String attempt) {
        return jobPrefix(job) + "/ladder-" + attempt;
    }
}
