package io.hlsfleet.encode;

import java.util.Locale;

/**
 * The segment container of a ladder. MPEG-TS plays on every HLS client; fragmented MP4 (CMAF) is
 * what newer players and DRM need, and shares its segments with DASH.
 */
public enum Container {

    MPEGTS("mpegts", ".ts"),
    FMP4("fmp4", ".m4s");

    private final String segmentType;
    private final String extension;

    Container(String segmentType, String extension) {
        this.segmentType = segmentType;
        this.extension = extension;
    }

    /** The value of the HLS muxer's {@code -hls_segment_type}. */
    public String segmentType() {
        return segmentType;
    }

    /** File name extension of a media segment, with the dot. */
    public String extension() {
        return extension;
    }

    /** Accepts {@code ts}, {@code mpegts}, {@code fmp4}, {@code cmaf}. */
    public static Container parse(String name, String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "ts", "mpegts" -> MPEGTS;
            case "fmp4", "cmaf", "mp4" -> FMP4;
            default -> throw new IllegalArgumentException(name + "=" + value + " is not a container (ts or fmp4)");
        };
    }
}
