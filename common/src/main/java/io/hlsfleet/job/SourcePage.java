package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What yt-dlp found on the web page a job's URL named: which video it is and what it is called.
 * Set by the download stage when it resolved a page; the video id of such a job comes from
 * {@link #extractor} and {@link #id}, so one video reached through two URLs is one video.
 *
 * @param extractor yt-dlp's extractor that recognised the page, such as {@code Youtube} or {@code Generic}
 * @param id the video's id at that site, as the extractor reports it
 * @param title the video's title
 * @param uploader who published it, when the site says
 * @param durationSeconds its length, when the site says
 * @param thumbnail the address of its thumbnail image, when the site has one
 * @param webpageUrl the page's canonical address
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SourcePage(String extractor, String id, String title, String uploader, Double durationSeconds,
        String thumbnail, String webpageUrl) {

    /** The id under which this video is published. */
    public String videoId() {
        return VideoId.fromPage(extractor, id);
    }
}
