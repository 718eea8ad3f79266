package io.hlsfleet.encode;

/**
 * One variant of a planned ladder: the rung it comes from and the exact output size.
 *
 * @param name folder and playlist name, such as {@code 720p}
 * @param width output width, even
 * @param height output height, even
 * @param preset the x264 preset this variant is encoded with
 */
public record PlannedVariant(String name, int width, int height, int videoKbps, int maxKbps, int bufferKbits,
        String preset) {
}
