package io.hlsfleet.worker;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import java.time.Duration;

/**
 * Observes jobs as stages work on them: the job status store and the CLI's progress display
 * are listeners. Implementations must be fast and must not throw.
 */
public interface JobListener {

    default void queued(Job job) {
    }

    default void started(Stage stage, Job job) {
    }

    default void progress(Stage stage, Job job, double fraction, String detail) {
    }

    /** The stage finished; {@code nextStage} is null when the job is published. */
    default void succeeded(Stage stage, Job job, Stage nextStage) {
    }

    default void retrying(Stage stage, Job job, JobFailure failure, Duration delay) {
    }

    default void dead(Stage stage, Job job, JobFailure failure) {
    }

    JobListener NONE = new JobListener() {
    };
}
