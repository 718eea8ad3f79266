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
}
