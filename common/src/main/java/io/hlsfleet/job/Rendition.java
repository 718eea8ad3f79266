package io.hlsfleet.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One video variant of a published ladder, as its master playlist lists it.
 *
 * @param playlist the variant playlist, relative to the master ({@code 720p/index.m3u8})
 * @param width displayed width in pixels
 * @param height displayed height in pixels
 * @param bandwidth peak bits per second (the master's BANDWIDTH, audio included)
 * @param averageBandwidth mean bits per second (AVERAGE-BANDWIDTH)
 * @param codecs RFC 6381 codecs (CODECS), such as {@code avc1.64001f,mp4a.40.2}
 * @param frameRate frames per second, or null when unknown
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Rendition(String playlist, int width, int height, long bandwidth, long averageBandwidth, String codecs,
        Double frameRate) {

    /** {@code 1280x720}, as HLS writes a RESOLUTION. */
    public String resolution() {
        return width + "x" + height;
    }
}
