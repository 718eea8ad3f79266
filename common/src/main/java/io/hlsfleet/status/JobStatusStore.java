package io.hlsfleet.status;

import java.util.List;
import java.util.Optional;

/**
 * Keeps each job's latest state for {@code hlsfleet status} and {@code hlsfleet watch}, shared by
 * the workers and the CLI ({@code hlsfleet run} shows its own jobs' progress directly).
 */
public interface JobStatusStore extends AutoCloseable {

    /** Records a state change; a store that can retry does, as a lost state change would stay visible. */
    void save(JobStatus status);

    /**
     * Records progress within a state; may be dropped on failure, the next update replaces it. It
     * replaces no status that {@link JobState#progressMayReplace} keeps, nor one further on in the
     * same state and attempt.
     */
    default void saveProgress(JobStatus status) {
        save(status);
    }

    /** Saves many statuses in one go; stores that can, in one round trip. */
    default void saveAll(List<JobStatus> statuses) {
        statuses.forEach(this::save);
    }

    Optional<JobStatus> find(String jobId);

    /** The most recently updated jobs, newest first. */
    List<JobStatus> recent(int limit);

    /**
     * The jobs of {@code videoId} among those the store keeps, newest first: how a video is
     * found from its id, since statuses are kept by job.
     */
    default List<JobStatus> ofVideo(String videoId) {
        return recent(Integer.MAX_VALUE).stream().filter(s -> videoId.equals(s.videoId())).toList();
    }

    @Override
    default void close() {
    }
}
