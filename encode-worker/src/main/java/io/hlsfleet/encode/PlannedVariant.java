package io.hlsfleet.encode;

/**
 * One variant of a planned ladder: the rung it comes from and the exact output size.
 *
 * @param name folder and playlist name, such as {@code 720p} ({@code 720p-hdr} in the HDR ladder)
 * @param width output width, even
 * @param height output height, even
 * @param preset the encoder preset this variant is encoded with
 * @param x264Params the x264 options this variant is encoded with ({@code key=value:...}, empty for
 *        none; HDR variants, encoded by x265, have their own)
 * @param range {@code SDR}: 8-bit H.264 in BT.709; {@code HLG} or {@code PQ}: 10-bit HEVC (Main10) in
 *        BT.2020 with that transfer, the source's HDR kept
 */
public record PlannedVariant(String name, int width, int height, int videoKbps, int maxKbps, int bufferKbits,
        String preset, String x264Params, MediaInfo.Transfer range) {

    /** An SDR H.264 variant. */
    public PlannedVariant(String name, int width, int height, int videoKbps, int maxKbps, int bufferKbits,
            String preset, String x264Params) {
        this(name, width, height, videoKbps, maxKbps, bufferKbits, preset, x264Params, MediaInfo.Transfer.SDR);
    }

    /** An SDR H.264 variant without x264 options. */
    public PlannedVariant(String name, int width, int height, int videoKbps, int maxKbps, int bufferKbits,
            String preset) {
        this(name, width, height, videoKbps, maxKbps, bufferKbits, preset, "");
    }

    /** Whether this is an HDR variant (HEVC Main10). */
    public boolean hdr() {
        return range != MediaInfo.Transfer.SDR;
    }

    /** The master playlist's VIDEO-RANGE of this variant. */
    public String videoRange() {
        return range.name();
    }
}
