package io.hlsfleet.encode;

import java.util.Comparator;
import java.util.List;

/**
 * A named ladder: its rungs, audio bitrate and segment length.
 *
 * @param name profile name, chosen with {@code HLSFLEET_ENCODE_PROFILE}
 * @param rungs the rungs, any order; rungs above the source are dropped at planning time
 * @param audioKbps AAC bitrate per variant
 * @param segmentSeconds target segment duration; keyframes are forced on these boundaries
 */
public record LadderProfile(String name, List<Rung> rungs, int audioKbps, int segmentSeconds) {

    /** 360p/720p/1080p at the bitrates of the design hlsfleet replaces. */
    public static final LadderProfile DEFAULT = new LadderProfile("default", List.of(
            new Rung(360, 360, 540, 720),
            new Rung(720, 870, 1305, 1740),
            new Rung(1080, 2100, 3150, 4200)), 128, 6);

    public LadderProfile {
        rungs = rungs.stream().sorted(Comparator.comparingInt(Rung::height)).toList();
        if (rungs.isEmpty()) {
            throw new IllegalArgumentException("ladder profile " + name + " has no rungs");
        }
    }
}
