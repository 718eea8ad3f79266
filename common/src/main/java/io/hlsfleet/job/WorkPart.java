package io.hlsfleet.job;

import java.util.Objects;

/**
 * One of several messages that share a stage's work on one job, such as a chunk of a long video
 * that any encode worker may take. Each part is a job message of its own on the stage's queue, with
 * the same retries, dead letters and fencing as any job; the stage decides what a part does and
 * which part hands the job on.
 *
 * @param plan names the split, the same in every part of it; made by the stage from the job, so a
 *     split made again (a redelivered or requeued job) names the same parts and finds what they
 *     already did
 * @param index this part's place, from 0
 * @param count how many parts the split has
 */
public record WorkPart(String plan, int index, int count) {

    public WorkPart {
        Objects.requireNonNull(plan, "plan");
        if (!VideoId.isSafe(plan)) {
            throw new IllegalArgumentException("part plan '" + plan + "' is not a safe path segment");
        }
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("part " + index + " of " + count + " does not exist");
        }
    }

    /** Part {@code index + 1} of {@code count}, as people count. */
    @Override
    public String toString() {
        return "part " + (index + 1) + " of " + count;
    }
}
