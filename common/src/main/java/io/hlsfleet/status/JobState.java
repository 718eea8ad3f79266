package io.hlsfleet.status;

/**
 * Where a job is, as people see it in {@code hlsfleet status}. {@link #EXPANDED} ends a job whose
 * URL named a feed, playlist or channel: each video it listed became a job of its own.
 * {@link #UNPUBLISHED} follows {@link #PUBLISHED} once {@code hlsfleet unpublish} removed the video.
 */
public enum JobState {
    QUEUED, DOWNLOADING, ENCODING, UPLOADING, RETRYING, PUBLISHED, DEAD, CANCELLED, EXPANDED, UNPUBLISHED;

    /** True once the job does nothing more (an expanded job's children may still be working). */
    public boolean finished() {
        return this == PUBLISHED || this == DEAD || this == CANCELLED || this == EXPANDED || this == UNPUBLISHED;
    }

    /**
     * True once nothing reads the job's staged files again: it ended published (or unpublished),
     * cancelled or listed. A dead job's inputs stay for {@code dlq requeue}.
     */
    public boolean doneWithStaging() {
        return this == PUBLISHED || this == CANCELLED || this == EXPANDED || this == UNPUBLISHED;
    }

    /**
     * Whether a status in this state may replace one in {@code current}. A job that ended is
     * changed only by what may follow its end: a dead job requeued works again, a published one is
     * unpublished. Never by a worker late with news of an attempt that no longer counts: the
     * progress of a worker frozen while another finished the job, the start of a duplicate
     * delivered after the job was published. Nor by a late "queued": whoever queues a job (the
     * submitter, the stage handing it on) records that after the broker took the message, by which
     * time the next stage may have failed it for good; a requeued dead job is revived by its start.
     */
    public boolean mayReplace(JobState current) {
        return switch (current) {
            case PUBLISHED -> this == PUBLISHED || this == UNPUBLISHED;
            case UNPUBLISHED, CANCELLED, EXPANDED -> this == current;
            case DEAD -> this != QUEUED;
            default -> true;
        };
    }

    /**
     * Whether progress in this state may replace a status in {@code current}: as {@link #mayReplace},
     * and never a dead job's. Only a new attempt's start revives a dead job; progress after its
     * death is from work that no longer counts (a chunk of the video still running after another
     * chunk died, a worker that froze).
     */
    public boolean progressMayReplace(JobState current) {
        return current != DEAD && mayReplace(current);
    }
}
