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
        return jobPrefix(job.jobId());
    }

    public static String jobPrefix(String jobId) {
        return JOBS + "/" + jobId;
    }

    /** The folder every job's prefix is in. */
    public static final String JOBS = "jobs";

    /** A fresh name for one attempt of one stage, unique across workers. */
    public static String newAttempt() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /**
     * The attempt that wrote {@code stagedKey} ({@code …/ladder-<attempt>}), or the key's last
     * segment when it names none.
     */
    public static String attemptOf(String stagedKey) {
        String name = stagedKey.substring(stagedKey.lastIndexOf('/') + 1);
        int dash = name.lastIndexOf('-');
        return dash >= 0 && dash < name.length() - 1 ? name.substring(dash + 1) : name;
    }

    /** Where {@code attempt} of the download stage stores the source. */
    public static String source(Job job, String attempt) {
        return jobPrefix(job) + "/source-" + attempt;
    }

    /**
     * Where {@code attempt} of the encode stage stores the AES-128 key of its ladder: beside the
     * ladder, never in it, since everything in the ladder's folder is published.
     */
    public static String key(Job job, String attempt) {
        return jobPrefix(job) + "/key-" + attempt;
    }

    /**
     * Where the encode stage keeps the chunks of a video encoded in chunks, under the name of its
     * split, which is also the generation the assembled ladder is published as.
     */
    public static String chunked(Job job, String plan) {
        return jobPrefix(job) + "/chunked-" + plan;
    }

    /** Where {@code attempt} of the encode stage stores the ladder. */
    public static String ladder(Job job, String attempt) {
        return jobPrefix(job) + "/ladder-" + attempt;
    }
}
