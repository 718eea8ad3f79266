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
 * @param surround the codec of the multichannel audio renditions that sources with more than two
 *        channels get beside the stereo AAC ones, or {@link Surround#NONE}
 * @param surroundKbps bitrate of a 5.1 multichannel rendition
 * @param keepHdr whether HLG and PQ sources also get an HDR ladder (HEVC Main10, fMP4) beside the
 *        tone-mapped SDR one
 */
public record LadderProfile(String name, List<Rung> rungs, int audioKbps, int segmentSeconds, Container container,
        String h264Profile, String h264Level, Surround surround, int surroundKbps, boolean keepHdr) {

    /**
     * The codec of the multichannel renditions. Apple's authoring rules name both; E-AC-3 needs half
     * the bitrate of AC-3 for 5.1 (192 against 384 kbit/s) and AC-3 plays on older receivers. ffmpeg's
     * encoders write at most 5.1: a 7.1 source is folded to 5.1.
     */
    public enum Surround {
        NONE("", "", 0),
        EAC3("eac3", "ec-3", 192),
        AC3("ac3", "ac-3", 384);

        private final String encoder;
        private final String codecs;
        private final int defaultKbps;

        Surround(String encoder, String codecs, int defaultKbps) {
            this.encoder = encoder;
            this.codecs = codecs;
            this.defaultKbps = defaultKbps;
        }

        /** ffmpeg's encoder. */
        public String encoder() {
            return encoder;
        }

        /** The RFC 6381 name in CODECS. */
        public String codecs() {
            return codecs;
        }

        /** Bitrate of a 5.1 rendition that Apple's authoring rules recommend. */
        public int defaultKbps() {
            return defaultKbps;
        }

        /** Accepts {@code eac3} (also {@code ec-3}), {@code ac3} (also {@code ac-3}) and {@code none}. */
        static Surround parse(String name, String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "eac3", "ec-3", "e-ac-3" -> EAC3;
                case "ac3", "ac-3" -> AC3;
                case "none", "off" -> NONE;
                default -> throw new IllegalArgumentException(name + "=" + value + " is not eac3, ac3 or none");
            };
        }
    }

    /**
     * 360p/720p/1080p at the bitrates of the design hlsfleet replaces. Presets per rung: 360p costs
     * a fraction of the others, so it keeps medium; 720p at faster and 1080p at veryfast (with
     * trellis, from the default x264 options) give the best SSIM for their CPU found on the
     * benchmark's clips. The motion search of the 360p and 1080p rungs is the diamond, and the
     * 1080p rung tries no 4x4 intra blocks in its predicted frames: 9 % of the 360p rung's CPU and
     * 20 % of the 1080p rung's for under 0.001 SSIM (bench/README.md has the measurements behind
     * these choices).
     */
    public static final LadderProfile DEFAULT = new LadderProfile("default", List.of(
            new Rung(360, 360, 540, 720, "medium", "me=dia"),
            new Rung(720, 870, 1305, 1740, "faster"),
            new Rung(1080, 2100, 3150, 4200, "veryfast", "me=dia:partitions=i8x8")),
            128, 6, Container.MPEGTS, "high", "", Surround.EAC3, 192, false);

    /** The default ladder in fragmented MP4 (CMAF) segments. */
    public static final LadderProfile CMAF = new LadderProfile("cmaf", DEFAULT.rungs(), 128, 6, Container.FMP4,
            "high", "", Surround.EAC3, 192, false);

    /**
     * The CMAF ladder, and for HLG and PQ sources an HDR ladder beside it: the same rungs in HEVC
     * Main10, for the screens that show HDR (players choose by VIDEO-RANGE and CODECS).
     */
    public static final LadderProfile CMAF_HDR = new LadderProfile("cmaf-hdr", DEFAULT.rungs(), 128, 6,
            Container.FMP4, "high", "", Surround.EAC3, 192, true);

    /** The default ladder plus 1440p and 2160p rungs for 4K sources. */
    public static final LadderProfile UHD = new LadderProfile("uhd", List.of(
            DEFAULT.rungs().get(0), DEFAULT.rungs().get(1), DEFAULT.rungs().get(2),
            new Rung(1440, 5000, 7500, 10000),
            new Rung(2160, 11000, 16500, 22000)), 160, 6, Container.MPEGTS, "high", "", Surround.EAC3, 192, false);

    /** This ladder with {@code newRungs} or {@code newContainer} in place of its own, where not null. */
    public LadderProfile with(List<Rung> newRungs, Container newContainer) {
        return new LadderProfile(name, newRungs == null ? rungs : newRungs, audioKbps, segmentSeconds,
                newContainer == null ? container : newContainer, h264Profile, h264Level, surround, surroundKbps,
                keepHdr);
    }

    public static final Map<String, LadderProfile> BUILT_IN = Map.of("default", DEFAULT, "cmaf", CMAF, "cmaf-hdr",
            CMAF_HDR, "uhd", UHD);

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
        if (surround != Surround.NONE && surroundKbps < 64) {
            throw new IllegalArgumentException("ladder profile " + name + " needs multichannel audio of at least 64 kbit/s");
        }
        if (keepHdr && container != Container.FMP4) {
            throw new IllegalArgumentException("ladder profile " + name + " keeps HDR, whose HEVC segments must be"
                    + " fMP4 (Apple's authoring rules): set HLSFLEET_ENCODE_CONTAINER=fmp4 or use the cmaf-hdr profile");
        }
    }

    /** The profile named by {@code HLSFLEET_ENCODE_PROFILE}, with any single-part overrides applied. */
    public static LadderProfile from(EncodeProperties settings) {
        return from(settings, "HLSFLEET_ENCODE_PROFILE", settings.profile());
    }

    /**
     * The built-in profile {@code profileName}, with the single-part overrides of {@code settings}
     * applied; {@code setting} names where the name came from, for the refusal of an unknown one.
     */
    public static LadderProfile from(EncodeProperties settings, String setting, String profileName) {
        String name = profileName.strip().toLowerCase(Locale.ROOT);
        LadderProfile base = BUILT_IN.get(name);
        if (base == null) {
            throw new IllegalArgumentException(setting + "=" + name + " is not one of "
                    + BUILT_IN.keySet().stream().sorted().toList());
        }
        String rungs = settings.rungs();
        String audio = settings.audioBitrate();
        String container = settings.container();
        String h264Profile = settings.h264Profile();
        Surround surround = settings.surround() == null ? base.surround()
                : Surround.parse("HLSFLEET_ENCODE_SURROUND", settings.surround());
        int surroundKbps = settings.surroundBitrate() != null ? Rung.kbps(settings.surroundBitrate())
                : surround == base.surround() ? base.surroundKbps() : surround.defaultKbps();
        return new LadderProfile(name,
                rungs == null ? base.rungs() : Rung.parseList("HLSFLEET_ENCODE_RUNGS", rungs, true),
                audio == null ? base.audioKbps() : Rung.kbps(audio),
                settings.segmentSeconds() != null ? settings.segmentSeconds() : base.segmentSeconds(),
                container == null ? base.container() : Container.parse("HLSFLEET_ENCODE_CONTAINER", container),
                h264Profile != null ? h264Profile.toLowerCase(Locale.ROOT) : base.h264Profile(),
                settings.h264Level() != null ? settings.h264Level() : base.h264Level(),
                surround, surroundKbps, settings.keepHdr() != null ? settings.keepHdr() : base.keepHdr());
    }
}
