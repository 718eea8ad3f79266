package io.hlsfleet.worker;

/** What a stage handler may tell the runtime while it works on one job. */
public interface JobContext {

    /**
     * Reports progress: {@code fraction} from 0 to 1 (negative when unknown) and a short detail
     * such as "12.5 MiB" or "2.3x". Cheap to call often.
     */
    void progress(double fraction, String detail);

    /**
     * Reports, from one part of a split job as it finishes, how much of the whole job is done. The
     * parts run side by side and each knows only its own progress, so {@link #progress} of a part
     * is not passed on; this is.
     */
    default void partDone(double jobFraction, String detail) {
    }

    /** Reports how many bytes this stage moved, for throughput metrics. */
    default void bytes(String direction, long count) {
    }

    /**
     * Called just before the step that cannot be taken back (the upload writing the master
     * playlist): from then on a cancel of the job is refused. Returns false if the job was cancelled
     * first; then the handler must not take that step, and the job ends cancelled.
     */
    default boolean commit() {
        return true;
    }

    /** True once the job was cancelled while this stage ran: the handler should clean up and stop. */
    default boolean cancelled() {
        return false;
    }
}
