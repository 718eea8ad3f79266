package io.hlsfleet.storage;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.StagingKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Where stages leave their work for the next stage: a directory shared by the workers, or (for
 * fleets that share no disk) a bucket. Keys come from {@link io.hlsfleet.job.StagingKeys}.
 */
public interface StagingArea {

    /** The local folder of this worker's working directories, one per attempt. */
    ScratchSpace scratch();

    /**
     * A new, empty local directory for one attempt at one job. The caller deletes it with
     * {@link #deleteScratch} when the attempt ends, whatever the outcome.
     */
    default Path newScratch(String jobId) throws IOException {
        return scratch().create(jobId);
    }

    /**
     * Stores a local file or directory under {@code key}. Keys are written once, by the attempt
     * that owns them ({@link StagingKeys}); nothing is replaced or moved aside.
     */
    void store(String key, Path local) throws IOException;

    /**
     * A local path holding what is stored under {@code key}: the staged file itself when staging
     * is local, a copy fetched into {@code scratch} otherwise.
     *
     * @throws java.nio.file.NoSuchFileException if nothing is stored under the key
     */
    Path fetch(String key, Path scratch) throws IOException;

    /**
     * The files of a directory stored under {@code key}, with names relative to it ('/'-separated)
     * and sorted; empty if nothing is stored there. Lets a bucket on the same server copy a staged
     * ladder without fetching it (see {@link ObjectStore#canCopyFrom}).
     */
    List<StagedFile> list(String key) throws IOException;

    /**
     * Whether {@link #claim} works here. Where it does not, stages keep to work that needs no
     * agreement between workers.
     */
    default boolean canClaim() {
        return false;
    }

    /**
     * Stores the small file {@code body} under {@code key} unless something is stored there
     * already, atomically: of any number of callers at once on any number of workers, exactly one
     * stores, and every caller gets back what is then stored (its own body or the winner's).
     * Lets parts of one job agree on which of them does something once.
     *
     * @throws UnsupportedOperationException where {@link #canClaim} is false
     */
    default byte[] claim(String key, byte[] body) throws IOException {
        throw new UnsupportedOperationException("this staging area cannot store a key atomically once");
    }

    /** True if a file or a directory with at least one file is stored under {@code key}. */
    boolean exists(String key) throws IOException;

    /** Deletes everything stored under {@code prefix}; missing keys are not an error. */
    void delete(String prefix) throws IOException;

    /** Deletes everything stored under each of {@code prefixes}. */
    default void deleteAll(Collection<String> prefixes) throws IOException {
        for (String prefix : prefixes) {
            delete(prefix);
        }
    }

    /**
     * Deletes everything staged for a job, as {@code dlq purge} does for a dead one. Unlike
     * {@link #delete}, fails unchecked: it runs in clean-up paths.
     */
    default void discardJob(Job job) {
        try {
            delete(StagingKeys.jobPrefix(job));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not delete the staged files of job " + job.jobId(), e);
        }
    }

    default void deleteScratch(Path folder) {
        scratch().delete(folder);
    }

    /**
     * Removes what attempts that can no longer finish left behind, and nothing a live attempt
     * owns: scratch folders of killed workers in which nothing was written since {@code cutoff},
     * folders an older version moved aside ({@code .old-*}), and uploads to staging started
     * before {@code cutoff} and never completed. Staged outputs ({@code jobs/}) are not touched:
     * a dead job's inputs stay until {@code dlq purge}. Returns how many leftovers were removed.
     */
    default int sweep(Instant cutoff) throws IOException {
        return scratch().sweep(cutoff) + sweepStaged(cutoff);
    }

    /** The part of {@link #sweep} outside the scratch folders; returns how many leftovers it removed. */
    int sweepStaged(Instant cutoff) throws IOException;

    /**
     * The ids of the jobs with files staged ({@code jobs/<jobId>/…}) none of which was written
     * since {@code cutoff}: what the {@linkplain io.hlsfleet.worker.LeftoverSweeper sweeper} asks
     * the status store about.
     */
    List<String> jobsUntouchedSince(Instant cutoff) throws IOException;

    /** One file of a stored directory: its name relative to the directory, and its size. */
    record StagedFile(String name, long size) {
    }
}
