package io.hlsfleet.encode;

/**
 * One rung of a ladder profile.
 *
 * @param height the short side of the output, 360 for "360p"
 * @param videoKbps target average video bitrate
 * @param maxKbps peak video bitrate the encoder may reach (VBV maxrate)
 * @param bufferKbits VBV buffer size
 */
public record Rung(int height, int videoKbps, int maxKbps, int bufferKbits) {

    public String name() {
        return height + "p";
    }
}
