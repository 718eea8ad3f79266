package io.hlsfleet.worker;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.StageOutputs;

/**
 * The work of one stage, free of any queue or broker concern. The {@link StageWorker} around it
 * takes care of hand-off, retries, dead letters, status and metrics.
 */
@FunctionalInterface
public interface StageHandler {

    /**
     * Does this stage's work for {@code job}.
     *
     * @return the outputs to hand to the next stage (the job's outputs plus this stage's)
     * @throws io.hlsfleet.job.JobFailure to say whether trying again can help; anything else
     *         thrown counts as retryable
     */
    StageOutputs process(Job job, JobContext context) throws Exception;

    /**
     * Removes what {@link #process} staged for {@code outputs} that nobody will read: the broker
     * took the job back from this worker before they were handed on, and another worker does the
     * job again under keys of its own. Called only when nothing was sent; by default nothing is
     * staged by a stage, so nothing is removed.
     */
    default void abandoned(Job job, StageOutputs outputs) throws Exception {
    }
}
