package io.hlsfleet.status;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;

/**
 * One job's latest known state.
 *
 * @param percent progress of the current stage, 0–100, or -1 when unknown
 * @param detail short progress detail such as "12.5 MiB" or "2.3x"
 * @param attempt attempt number at the current stage
 * @param reason why the job is retrying or dead
 * @param title the video's title, once the download stage found it on the web page the job named;
 *     null for media URLs and files
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobStatus(String jobId, String videoId, String source, JobState state, int percent, String detail,
        int attempt, String reason, Instant submittedAt, Instant updatedAt, String title) {
}
