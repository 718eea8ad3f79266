package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One video a feed, playlist, channel or page of several videos lists: what becomes a job of its
 * own when the job whose URL named the list ends expanded ({@link Job#listed}).
 *
 * @param url the entry's address, absolute
 * @param videoId the id the entry is published under: from the site's extractor and id when the
 *     list named them, so the entry and the same video pasted alone are one video; else null, and
 *     the id comes from {@link #url} as for any URL
 * @param title the entry's title in the list, when it has one
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ListEntry(String url, String videoId, String title) {

    public ListEntry {
        Objects.requireNonNull(url, "url");
        if (videoId != null && !VideoId.isSafe(videoId)) {
            throw new IllegalArgumentException("videoId '" + videoId + "' is not a safe path segment");
        }
    }

    /** The id this entry is published under. */
    public String publishedId() {
        return videoId != null ? videoId : VideoId.fromSource(url);
    }
}
