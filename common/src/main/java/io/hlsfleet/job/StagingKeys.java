package io.hlsfleet.job;

/**
 * The staging keys of a job. Every stage derives its keys from here, so a stage that runs twice
 * for the same job writes to the same place.
 */
public final class StagingKeys {

    private StagingKeys() {
    }

    /** Prefix under which everything of one job is staged; deleting it cleans the job up. */
    public static String jobPrefix(Job job) {
        return "jobs/" + job.jobId();
    }

    public static String source(Job job) {
        return jobPrefix(job) + "/source";
    }

    public static String ladder(Job job) {
        return jobPrefix(job) + "/ladder";
    }
}
