package io.hlsfleet.status;

import java.util.List;
import java.util.Optional;

/**
 * Keeps each job's latest state for {@code hlsfleet status} and {@code hlsfleet watch}, shared by
 * the workers and the CLI ({@code hlsfleet run} shows its own jobs' progress directly).
 */
public interface JobStatusStore extends AutoCloseable {

    void save(JobStatus status);

    Optional<JobStatus> find(String jobId);

    /** The most recently updated jobs, newest first. */
    List<JobStatus> recent(int limit);

    @Override
    default void close() {
    }
}
