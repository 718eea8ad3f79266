package io.hlsfleet.worker;

import io.hlsfleet.job.Job;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Where a {@link StageWorker} learns which jobs were cancelled ({@code hlsfleet cancel}), and how
 * it removes what a cancelled job left in staging.
 */
public interface Cancellation {

    /** The jobs among {@code jobIds} someone asked to cancel, with the reason they gave. */
    Map<String, String> requested(Collection<String> jobIds);

    /** Removes everything staged for {@code job}. */
    void discard(Job job);

    /**
     * Marks {@code jobId} past the point a cancel can stop it (its upload is about to write the
     * master playlist), so that later cancels are refused; false if it was cancelled first.
     */
    default boolean commit(String jobId) {
        return true;
    }

    /**
     * Whether the upload of {@code jobId} {@linkplain #commit committed}: the job was handed past
     * every earlier stage and is published, or about to be.
     */
    default boolean committed(String jobId) {
        return false;
    }

    /**
     * Asks for {@code jobId} to be cancelled, as {@code hlsfleet cancel} does (an intake cancel
     * message); returns why not when the job cannot be (ended, unknown, no place to keep cancels).
     */
    default Optional<String> request(String jobId, String reason) {
        return Optional.of("this fleet keeps no cancel requests (they need the job status store in Redis)");
    }

    /** No cancels: a fleet without a status store, or the embedded one. */
    Cancellation NONE = new Cancellation() {
        @Override
        public Map<String, String> requested(Collection<String> jobIds) {
            return Map.of();
        }

        @Override
        public void discard(Job job) {
        }
    };
}
