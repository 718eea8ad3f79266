package io.hlsfleet.download;

import io.hlsfleet.job.JobFailure;

/**
 * The origin answered with a web page or a feed instead of media. Permanent for a plain
 * download; the download stage then asks yt-dlp to find the video on the page, or reads the
 * feed's entries.
 */
final class PageNotMedia extends JobFailure {

    private final boolean feed;

    PageNotMedia(String reason) {
        this(reason, false);
    }

    /** @param feed true when the body is an RSS or Atom feed, downloaded whole to the target file */
    PageNotMedia(String reason, boolean feed) {
        super(reason, false, null);
        this.feed = feed;
    }

    boolean feed() {
        return feed;
    }
}
