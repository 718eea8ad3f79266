package io.hlsfleet.encode;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A named ladder: its rungs, audio bitrate, segment length, segment container and H.264
 * profile/level. {@code HLSFLEET_ENCODE_PROFILE} picks one of {@link #BUILT_IN}; the other
 * {@code hlsfleet.encode.*} settings read by {@link #from} override single parts of it.
 *
 * @param name profile name
 * @param rungs the rungs, sorted by height; rungs above the source are dropped at planning time
 * @param audioKbps AAC bitrate per variant
 * @param segmentSeconds target segment duration; keyframes are forced on these boundaries
 * @param container MPEG-TS or fragmented MP4 segments
 * @param h264Profile {@code baseline}, {@code main} or {@code high}
 * @param h264Level level such as {@code 4.1}, or empty to let x264 choose the lowest that fits
 */
public record LadderProfile(String name, List<Rung> rungs, int audioKbps, int segmentSeconds, Container container,
        String h264Profile, String h264Level) {

    /**
     * 360p/720p/1080p at the bitrates of the design hlsfleet replaces. The smaller rungs use a
     * slower preset than the 1080p rung: they cost a fraction of its CPU, so the quality they gain
     * is cheap (see bench/README.md for the measurement behind these choices).
     */
    public static final LadderProfile DEFAULT = new LadderProfile("default", List.of(
            new Rung(360, 360, 540, 720, "medium"),
            new Rung(720, 870, 1305, 1740, "medium"),
            new Rung(1080, 2100, 3150, 4200, "veryfast")), 128, 6, Container.MPEGTS, "high", "");

    /** The default ladder in fragmented MP4 (CMAF) segments. */
    public static final LadderProfile CMAF = new LadderProfile("cmaf", DEFAULT.rungs(), 128, 6, Container.FMP4,
            "high", "");

    /** The default ladder plus 1440p and 2160p rungs for 4K sources. */
    public static final LadderProfile UHD = new LadderProfile("uhd", List.of(
            DEFAULT.rungs().get(0), DEFAULT.rungs().get(1), DEFAULT.rungs().get(2),
            new Rung(1440, 5000, 7500, 10000),
            new Rung(2160, 11000, 16500, 22000)), 160, 6, Container.MPEGTS, "high", "");

    public static final Map<String, LadderProfile> BUILT_IN = Map.of("default", DEFAULT, "cmaf", CMAF, "uhd", UHD);

    public LadderProfile {
        rungs = rungs.stream().sorted(Comparator.comparingInt(Rung::height)).toList();
        if (rungs.isEmpty()) {
            throw new IllegalArgumentException("ladder profile " + name + " has no rungs");
        }
        if (segmentSeconds < 1 || audioKbps < 8) {
            throw new IllegalArgumentException("ladder profile " + name + " needs segments of at least 1 s and audio of"
                    + " at least 8 kbit/s");
        }
        if (!List.of("baseline", "main", "high").contains(h264Profile)) {
            throw new IllegalArgumentException("ladder profile " + name + ": H.264 profile " + h264Profile
                    + " is not baseline, main or high (8-bit 4:2:0 profiles every player decodes)");
        }
    }

    /** The profile named by {@code HLSFLEET_ENCODE_PROFILE}, with any single-part overrides applied. */
    public static LadderProfile from(EncodeProperties settings) {
        String name = settings.profile().strip().toLowerCase(Locale.ROOT);
        LadderProfile base = BUILT_IN.get(name);
        if (base == null) {
            throw new IllegalArgumentException("HLSFLEET_ENCODE_PROFILE=" + name + " is not one of "
                    + BUILT_IN.keySet().stream().sorted().toList());
        }
        String rungs = settings.rungs();
        String audio = settings.audioBitrate();
        String container = settings.container();
        String h264Profile = settings.h264Profile();
        return new LadderProfile(name,
                rungs == null ? base.rungs() : Rung.parseList("HLSFLEET_ENCODE_RUNGS", rungs),
                audio == null ? base.audioKbps() : Rung.kbps(audio),
                settings.segmentSeconds() != null ? settings.segmentSeconds() : base.segmentSeconds(),
                container == null ? base.container() : Container.parse("HLSFLEET_ENCODE_CONTAINER", container),
                h264Profile != null ? h264Profile.toLowerCase(Locale.ROOT) : base.h264Profile(),
                settings.h264Level() != null ? settings.h264Level() : base.h264Level());
    }
}
