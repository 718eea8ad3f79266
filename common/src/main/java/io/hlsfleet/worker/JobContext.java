package io.hlsfleet.worker;

/** What a stage handler may tell the runtime while it works on one job. */
public interface JobContext {

    /**
     * Reports progress: {@code fraction} from 0 to 1 (negative when unknown) and a short detail
     * such as "12.5 MiB" or "2.3x". Cheap to call often.
     */
    void progress(double fraction, String detail);

    /** Reports how many bytes this stage moved, for throughput metrics. */
    default void bytes(String direction, long count) {
    }
}
