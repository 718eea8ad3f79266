package io.hlsfleet.download;

import io.hlsfleet.job.JobFailure;

/**
 * The origin answered with a web page (or a feed) instead of media. Permanent for a plain
 * download; the download stage then asks yt-dlp to find the video on the page.
 */
final class PageNotMedia extends JobFailure {

    PageNotMedia(String reason) {
        super(reason, false, null);
    }
}
