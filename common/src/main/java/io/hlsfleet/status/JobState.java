package io.hlsfleet.status;

/** Where a job is, as people see it in {@code hlsfleet status}. */
public enum JobState {
    QUEUED, DOWNLOADING, ENCODING, UPLOADING, RETRYING, PUBLISHED, DEAD, CANCELLED;

    public boolean finished() {
        return this == PUBLISHED || this == DEAD || this == CANCELLED;
    }
}
