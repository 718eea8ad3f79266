package io.hlsfleet.status;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Job status in this process's memory. */
public final class InMemoryJobStatusStore implements JobStatusStore {

    private final Map<String, JobStatus> statuses = new ConcurrentHashMap<>();

    @Override
    public void save(JobStatus status) {
        statuses.put(status.jobId(), status);
    }

    @Override
    public Optional<JobStatus> find(String jobId) {
        return Optional.ofNullable(statuses.get(jobId));
    }

    @Override
    public List<JobStatus> recent(int limit) {
        return statuses.values().stream().sorted(Comparator.comparing(JobStatus::updatedAt).reversed()).limit(limit)
                .toList();
    }
}
