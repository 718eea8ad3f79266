package io.hlsfleet.status;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One job's latest known state.
 *
 * @param percent progress of the current stage, 0–100, or -1 when unknown
 * @param detail short progress detail such as "12.5 MiB" or "2.3x"
 * @param attempt attempt number at the current stage
 * @param reason why the job is retrying or dead
 * @param title the video's title, once the download stage found it on the web page the job named;
 *     null for media URLs and files
 * @param pictures the poster and storyboard files of the ladder, relative to the master playlist
 *     ({@code <generation>/poster.jpg}), once the encoder made them
 * @param generation the generation of the video the job's ladder is published as, once encoded
 * @param parentJobId the job whose feed or playlist listed this one, if one did
 * @param children when {@link JobState#EXPANDED}: the job ids of the videos its feed or playlist
 *     listed, in the list's order
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStatus(String jobId, String videoId, String source, JobState state, int percent, String detail,
        int attempt, String reason, Instant submittedAt, Instant updatedAt, String title, List<String> pictures,
        String generation, String parentJobId, List<String> children) {

    /** A status of a job submitted on its own, that listed nothing. */
    public JobStatus(String jobId, String videoId, String source, JobState state, int percent, String detail,
            int attempt, String reason, Instant submittedAt, Instant updatedAt, String title, List<String> pictures,
            String generation) {
        this(jobId, videoId, source, state, percent, detail, attempt, reason, submittedAt, updatedAt, title, pictures,
                generation, null, null);
    }

    /** A status without a generation (before the encode stage, or written by an older release). */
    public JobStatus(String jobId, String videoId, String source, JobState state, int percent, String detail,
            int attempt, String reason, Instant submittedAt, Instant updatedAt, String title, List<String> pictures) {
        this(jobId, videoId, source, state, percent, detail, attempt, reason, submittedAt, updatedAt, title, pictures,
                null, null, null);
    }

    /** A status without pictures (before the encode stage, or from a worker that makes none). */
    public JobStatus(String jobId, String videoId, String source, JobState state, int percent, String detail,
            int attempt, String reason, Instant submittedAt, Instant updatedAt, String title) {
        this(jobId, videoId, source, state, percent, detail, attempt, reason, submittedAt, updatedAt, title, null,
                null, null, null);
    }
}
