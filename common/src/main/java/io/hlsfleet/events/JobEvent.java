package io.hlsfleet.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.hlsfleet.job.Rendition;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What the fleet tells subscribers about a job, as versioned JSON: one message on RabbitMQ's topic
 * exchange {@value EventBus#EXCHANGE} (routing key {@code <type>.<stage>}, see {@link #routingKey})
 * or one entry of the Redis stream {@code hlsfleet:events}. Fields that do not apply to an event
 * are left out of the JSON; consumers should ignore fields they do not know, since later versions
 * add fields without raising {@link #VERSION} (a field that changes meaning raises it).
 *
 * @param version shape of this JSON, {@link #VERSION}
 * @param type what happened
 * @param stage the stage it happened at ({@code download}, {@code encode}, {@code upload});
 *     {@code intake} for {@code queued}, {@code bucket} for {@code unpublished}
 * @param jobId the job
 * @param videoId the video (its folder in the bucket)
 * @param source the source URL, with any query or user info redacted
 * @param attempt the attempt at that stage, from 1
 * @param at when it happened
 * @param submittedAt when the job was submitted
 * @param reason why a job is retrying, dead or cancelled, for a person to read
 * @param retryInSeconds on {@code retrying}: when the next attempt starts
 * @param percent on {@code progress}: 0 to 100, or absent when unknown
 * @param detail on {@code progress}: such as {@code 12.5 MiB} or {@code 2.3x}
 * @param title the page title, when the job named a web page
 * @param published on {@code published}: what was published; on {@code unpublished}: the master
 *     ({@code masterKey}, {@code masterUrl}) and {@code generation} that were removed
 * @param metadata the submitter's own keys and values, from the job's {@code metadata} option
 * @param callbackUrl the job's {@code callbackUrl} option: where its webhooks go
 * @param parentJobId the job whose feed or playlist listed this job, if one did
 * @param children on {@code expanded}: the job ids of the videos the feed or playlist listed, each
 *     of which then has events of its own, starting with {@code queued}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(int version, Type type, String stage, String jobId, String videoId, String source,
        int attempt, Instant at, Instant submittedAt, String reason, Long retryInSeconds, Integer percent,
        String detail, String title, Published published, java.util.Map<String, String> metadata,
        String callbackUrl, String parentJobId, List<String> children) {

    public static final int VERSION = 1;

    /** The kinds of event; the JSON and the routing key carry them in lower case. */
    public enum Type {
        QUEUED, STARTED, PROGRESS, RETRYING, PUBLISHED, DEAD, CANCELLED,
        /** A webhook of one of the job's terminal events could not be delivered (stage {@code webhook}). */
        UNDELIVERED,
        /** The job's URL named a list of videos; each became a job of its own ({@code children}). */
        EXPANDED,
        /**
         * {@code hlsfleet unpublish} removed the video's ladder from the bucket (stage {@code bucket});
         * {@code published} names the master and the generation that were removed.
         */
        UNPUBLISHED;

        @com.fasterxml.jackson.annotation.JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Type fromId(String id) {
            return valueOf(id.toUpperCase(Locale.ROOT));
        }

        /** True for the events after which a job does nothing more: published, dead, cancelled, expanded. */
        public boolean terminal() {
            return this == PUBLISHED || this == DEAD || this == CANCELLED || this == EXPANDED;
        }
    }

    /**
     * What a {@code published} event reports: where the ladder is and what it holds.
     *
     * @param masterKey the master playlist's key in the bucket, {@code <videoId>/master.m3u8}
     * @param masterUrl where players fetch it: under {@code HLSFLEET_EVENTS_PUBLIC_URL} when set,
     *     else the bucket's own address ({@code s3://…}, {@code file:…})
     * @param durationSeconds the video's duration
     * @param renditions the video variants, lowest first, their playlists relative to the master
     *     ({@code <generation>/720p/index.m3u8})
     * @param poster the poster's key relative to the master ({@code <generation>/poster.jpg}), when one was made
     * @param storyboard the storyboard's WebVTT track relative to the master, when one was made
     * @param pictures every picture file of the ladder, relative to the master
     * @param generation which publication of this video this is: the folder under {@code <videoId>/}
     *     that the master playlist names, new for each encode, so a consumer can tell a
     *     re-publication ({@code --force}) from a duplicate event
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Published(String masterKey, String masterUrl, Double durationSeconds, List<Rendition> renditions,
            String poster, String storyboard, List<String> pictures, String generation) {
    }

    /** This event as an {@code undelivered} one: the webhook of it was given up, for {@code reason}. */
    public JobEvent undelivered(String why) {
        return new JobEvent(VERSION, Type.UNDELIVERED, "webhook", jobId, videoId, source, attempt, Instant.now(),
                submittedAt, why, null, null, type.id(), title, null, metadata, callbackUrl, parentJobId, null);
    }

    /** {@code <type>.<stage>}, such as {@code published.upload}: bind {@code published.*} or {@code #}. */
    public String routingKey() {
        return type.id() + "." + stage;
    }
}
