package io.hlsfleet.encode;

import io.hlsfleet.job.PublishedVideo;
import io.hlsfleet.job.Rendition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes {@code master.m3u8} from what was really encoded: BANDWIDTH is the peak segment bitrate
 * and AVERAGE-BANDWIDTH the mean over the whole variant, both measured on the written segments,
 * and CODECS carries the profile and level the encoder used.
 */
final class MasterPlaylist {

    private static final Pattern MAP_URI = Pattern.compile("#EXT-X-MAP:URI=\"([^\"]+)\"");

    private MasterPlaylist() {
    }

    /**
     * Measured facts about one written variant.
     *
     * @param codecs its CODECS, the video codec first
     * @param iFrames its I-frame playlist, or null when it has none
     */
    record VariantStats(PlannedVariant variant, long peakBitsPerSecond, long averageBitsPerSecond, String codecs,
            double frameRate, Measured iFrames) {

        VariantStats(PlannedVariant variant, long peakBitsPerSecond, long averageBitsPerSecond, String codecs,
                double frameRate) {
            this(variant, peakBitsPerSecond, averageBitsPerSecond, codecs, frameRate, null);
        }
    }

    /** Bitrates and length of a variant as written. */
    record Measured(long peakBitsPerSecond, long averageBitsPerSecond, double seconds) {
    }

    /**
     * An audio rendition as written: its group, where, what language, and its measured bitrates.
     * Every rendition of a group has the same codec.
     */
    record AudioRendition(String group, String uri, String language, String name, boolean isDefault, int channels,
            String codecs, long peakBitsPerSecond, long averageBitsPerSecond) {

        /** A rendition of the stereo group. */
        AudioRendition(String uri, String language, String name, boolean isDefault, int channels, String codecs,
                long peakBitsPerSecond, long averageBitsPerSecond) {
            this(AUDIO_GROUP, uri, language, name, isDefault, channels, codecs, peakBitsPerSecond,
                    averageBitsPerSecond);
        }
    }

    /** What the variants listed with one audio group add: its codec and its largest bitrates. */
    private record AudioGroup(String id, String codecs, long peak, long average) {

        AudioGroup with(AudioRendition audio) {
            return new AudioGroup(id, audio.codecs(), Math.max(peak, audio.peakBitsPerSecond()),
                    Math.max(average, audio.averageBitsPerSecond()));
        }
    }

    /** A WebVTT subtitle rendition as written. */
    record SubtitleRendition(String uri, String language, String name, boolean isDefault, boolean forced) {
    }

    /**
     * What rides beside the video variants.
     *
     * @param closedCaptions whether the video carries CEA-608 captions (declared as CC1), else
     *        every variant says {@code CLOSED-CAPTIONS=NONE}
     */
    record Renditions(List<AudioRendition> audio, List<SubtitleRendition> subtitles, boolean closedCaptions) {

        static final Renditions NONE = new Renditions(List.of(), List.of(), false);
    }

    static final String AUDIO_GROUP = "audio";
    /** The group of the multichannel (E-AC-3 or AC-3) renditions. */
    static final String SURROUND_GROUP = "surround";
    static final String SUBTITLE_GROUP = "subs";
    static final String CAPTION_GROUP = "cc";

    static List<Rendition> write(Path outDir, List<VariantStats> variants, Container container) throws IOException {
        return write(outDir, variants, Renditions.NONE, container);
    }

    /**
     * Writes the master playlist as Apple's HLS authoring rules ask: subtitle renditions in one
     * group, audio renditions in one group per codec (stereo AAC, and multichannel for sources that
     * have it), each video variant listed once per audio group, its BANDWIDTH the peak of its video
     * plus the group's largest rendition, AVERAGE-BANDWIDTH likewise, CODECS with the group's audio
     * codec, VIDEO-RANGE (SDR, or HLG/PQ for the HDR ladder), and CLOSED-CAPTIONS declared or NONE;
     * then each video variant's I-frame playlist, for scrubbing and trick play.
     *
     * @return the video variants as the master lists them, each once (with the stereo audio group)
     */
    static List<Rendition> write(Path outDir, List<VariantStats> variants, Renditions renditions, Container container)
            throws IOException {
        StringBuilder m3u8 = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:" + version(container)
                + "\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        Map<String, AudioGroup> groups = new LinkedHashMap<>();
        for (AudioRendition audio : renditions.audio()) {
            groups.merge(audio.group(), new AudioGroup(audio.group(), audio.codecs(), audio.peakBitsPerSecond(),
                    audio.averageBitsPerSecond()), (group, added) -> group.with(audio));
            m3u8.append("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"").append(audio.group()).append('"')
                    .append(languageAttribute(audio.language()))
                    .append(",NAME=\"").append(audio.name()).append('"')
                    .append(",DEFAULT=").append(audio.isDefault() ? "YES" : "NO").append(",AUTOSELECT=YES")
                    .append(",CHANNELS=\"").append(audio.channels()).append('"')
                    .append(",URI=\"").append(audio.uri()).append("\"\n");
        }
        for (SubtitleRendition subtitle : renditions.subtitles()) {
            m3u8.append("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"").append(SUBTITLE_GROUP).append('"')
                    .append(languageAttribute(subtitle.language()))
                    .append(",NAME=\"").append(subtitle.name()).append('"')
                    .append(",DEFAULT=").append(subtitle.isDefault() ? "YES" : "NO").append(",AUTOSELECT=YES")
                    .append(",FORCED=").append(subtitle.forced() ? "YES" : "NO")
                    .append(",URI=\"").append(subtitle.uri()).append("\"\n");
        }
        if (renditions.closedCaptions()) {
            m3u8.append("#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"").append(CAPTION_GROUP)
                    .append("\",NAME=\"CC1\",INSTREAM-ID=\"CC1\",DEFAULT=NO,AUTOSELECT=YES\n");
        }
        // Apple's rules: a variant's CODECS names every codec of its renditions, so each video
        // variant is listed once per audio group (stereo AAC first), and a player that cannot decode
        // E-AC-3 or AC-3 leaves out only the variants that name the multichannel group.
        List<AudioGroup> audioGroups = groups.isEmpty() ? Collections.singletonList(null)
                : List.copyOf(groups.values());
        List<Rendition> listed = new ArrayList<>();
        for (AudioGroup group : audioGroups) {
            for (VariantStats stats : variants) {
                PlannedVariant v = stats.variant();
                long peak = stats.peakBitsPerSecond() + (group == null ? 0 : group.peak());
                long average = stats.averageBitsPerSecond() + (group == null ? 0 : group.average());
                String codecs = group == null ? stats.codecs() : stats.codecs() + "," + group.codecs();
                if (group == audioGroups.getFirst()) {
                    listed.add(new Rendition(v.name() + "/index.m3u8", v.width(), v.height(), peak, average, codecs,
                            stats.frameRate() > 0 ? stats.frameRate() : null));
                }
                m3u8.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(peak)
                        .append(",AVERAGE-BANDWIDTH=").append(average)
                        .append(",RESOLUTION=").append(v.width()).append('x').append(v.height())
                        .append(",CODECS=\"").append(codecs).append('"');
                if (stats.frameRate() > 0) {
                    m3u8.append(",FRAME-RATE=").append(String.format(Locale.ROOT, "%.3f", stats.frameRate()));
                }
                m3u8.append(",VIDEO-RANGE=").append(v.videoRange());
                if (group != null) {
                    m3u8.append(",AUDIO=\"").append(group.id()).append('"');
                }
                if (!renditions.subtitles().isEmpty()) {
                    m3u8.append(",SUBTITLES=\"").append(SUBTITLE_GROUP).append('"');
                }
                m3u8.append(",CLOSED-CAPTIONS=").append(renditions.closedCaptions() ? "\"" + CAPTION_GROUP + "\"" : "NONE");
                m3u8.append('\n').append(v.name()).append("/index.m3u8\n");
            }
        }
        for (VariantStats stats : variants) {
            if (stats.iFrames() == null) {
                continue;
            }
            PlannedVariant v = stats.variant();
            String videoCodec = stats.codecs().split(",")[0];
            m3u8.append("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=").append(stats.iFrames().peakBitsPerSecond())
                    .append(",AVERAGE-BANDWIDTH=").append(stats.iFrames().averageBitsPerSecond())
                    .append(",RESOLUTION=").append(v.width()).append('x').append(v.height())
                    .append(",CODECS=\"").append(videoCodec).append('"')
                    .append(",VIDEO-RANGE=").append(v.videoRange())
                    .append(",URI=\"").append(v.name()).append('/').append(IFramePlaylist.NAME).append("\"\n");
        }
        Files.writeString(outDir.resolve(PublishedVideo.MASTER), m3u8.toString(), StandardCharsets.UTF_8);
        return listed;
    }

    /**
     * The lowest protocol version the ladder's playlists need: 3 for decimal segment durations
     * (and AES-128 with an IV, which needs 2), 6 for fMP4's EXT-X-MAP.
     */
    static int version(Container container) {
        return container == Container.FMP4 ? 6 : 3;
    }

    private static String languageAttribute(String language) {
        String tag = rfc5646(language);
        return tag.isEmpty() ? "" : ",LANGUAGE=\"" + tag + "\"";
    }

    /**
     * The RFC 5646 tag HLS wants for a container's language: ISO 639-2 codes such as {@code eng}
     * become {@code en} where a two-letter code exists; {@code und} (undetermined) becomes empty.
     */
    static String rfc5646(String language) {
        String lower = language.strip().toLowerCase(Locale.ROOT);
        if (lower.isEmpty() || lower.equals("und")) {
            return "";
        }
        lower = BIBLIOGRAPHIC.getOrDefault(lower, lower);
        if (lower.length() == 3) {
            for (String two : Locale.getISOLanguages()) {
                if (Locale.of(two).getISO3Language().equals(lower)) {
                    return two;
                }
            }
        }
        return lower;
    }

    /** ISO 639-2/B codes (which Matroska files often carry) and their ISO 639-1 codes. */
    private static final Map<String, String> BIBLIOGRAPHIC = Map.ofEntries(Map.entry("alb", "sq"),
            Map.entry("arm", "hy"), Map.entry("baq", "eu"), Map.entry("bur", "my"), Map.entry("chi", "zh"),
            Map.entry("cze", "cs"), Map.entry("dut", "nl"), Map.entry("fre", "fr"), Map.entry("geo", "ka"),
            Map.entry("ger", "de"), Map.entry("gre", "el"), Map.entry("ice", "is"), Map.entry("mac", "mk"),
            Map.entry("mao", "mi"), Map.entry("may", "ms"), Map.entry("per", "fa"), Map.entry("rum", "ro"),
            Map.entry("slo", "sk"), Map.entry("tib", "bo"), Map.entry("wel", "cy"));

    /** A rendition's NAME: its title when the source has one, else its language in English. */
    static String displayName(String title, String language, int index) {
        String name = title.isBlank() ? Locale.forLanguageTag(rfc5646(language)).getDisplayLanguage(Locale.ENGLISH)
                : title.strip();
        return (name.isEmpty() ? "Track " + (index + 1) : name).replace('"', '\'');
    }

    /**
     * Peak and average bitrate of a variant from its playlist's durations and its segments' sizes.
     * An fMP4 init segment counts towards the average (a player fetches it once) but not the peak.
     * Segments shorter than half a second are left out of the peak: a short tail segment's bitrate
     * says nothing about what a player needs to sustain.
     */
    static Measured measure(Path variantDir) throws IOException {
        List<String> lines = Files.readAllLines(variantDir.resolve("index.m3u8"), StandardCharsets.UTF_8);
        double totalSeconds = 0;
        long totalBytes = 0;
        long peak = 0;
        double duration = 0;
        for (String line : lines) {
            Matcher map = MAP_URI.matcher(line);
            if (map.find()) {
                totalBytes += Files.size(variantDir.resolve(map.group(1)));
            } else if (line.startsWith("#EXTINF:")) {
                duration = extinf(line);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                long bytes = Files.size(variantDir.resolve(line.strip()));
                totalBytes += bytes;
                totalSeconds += duration;
                if (duration > 0.5) {
                    peak = Math.max(peak, Math.round(bytes * 8 / duration));
                }
            }
        }
        long average = totalSeconds > 0 ? Math.round(totalBytes * 8 / totalSeconds) : 0;
        return new Measured(Math.max(peak, average), average, totalSeconds);
    }

    /** The EXTINF durations of a media playlist, in order. */
    static List<Double> segmentDurations(Path playlist) throws IOException {
        return Files.readAllLines(playlist, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("#EXTINF:"))
                .map(MasterPlaylist::extinf).toList();
    }

    private static double extinf(String line) {
        int comma = line.indexOf(',');
        return Double.parseDouble(line.substring(8, comma < 0 ? line.length() : comma));
    }

    /**
     * Raises a media playlist's EXT-X-TARGETDURATION to its longest segment rounded up. ffmpeg
     * rounds to the nearest second, so a 6.04 s segment gets a target of 6, which strict players
     * and validators reject.
     */
    static void fixTargetDuration(Path playlist) throws IOException {
        List<String> lines = Files.readAllLines(playlist, StandardCharsets.UTF_8);
        double longest = 0;
        for (String line : lines) {
            if (line.startsWith("#EXTINF:")) {
                longest = Math.max(longest, extinf(line));
            }
        }
        int target = (int) Math.ceil(longest);
        List<String> fixed = lines.stream().map(line -> line.startsWith("#EXT-X-TARGETDURATION:")
                && Integer.parseInt(line.substring(22).strip()) < target ? "#EXT-X-TARGETDURATION:" + target : line)
                .toList();
        if (!fixed.equals(lines)) {
            Files.write(playlist, fixed, StandardCharsets.UTF_8);
        }
    }

    /**
     * RFC 6381 codec string of HEVC in MP4 (ISO/IEC 14496-15, annex E) from the
     * {@code hvcC} box of an init segment, such as {@code hvc1.2.4.L93.B0}: profile space and
     * profile, the compatibility flags in reverse bit order, tier and level, then the constraint
     * bytes without trailing zero bytes.
     */
    static String hevcCodec(Path initSegment) throws IOException {
        byte[] init = Files.readAllBytes(initSegment);
        for (int i = 4; i + 4 + 13 <= init.length; i++) {
            if (init[i] == 'h' && init[i + 1] == 'v' && init[i + 2] == 'c' && init[i + 3] == 'C') {
                return hevcCodec(Arrays.copyOfRange(init, i + 4, i + 4 + 13));
            }
        }
        throw new IOException("no hvcC box in " + initSegment.getFileName());
    }

    /** As {@link #hevcCodec(Path)}, from the first 13 bytes of an HEVC decoder configuration record. */
    static String hevcCodec(byte[] record) {
        int space = (record[1] >> 6) & 3;
        boolean highTier = (record[1] & 0x20) != 0;
        int profile = record[1] & 0x1f;
        long compatibility = ((record[2] & 0xffL) << 24) | ((record[3] & 0xffL) << 16) | ((record[4] & 0xffL) << 8)
                | (record[5] & 0xffL);
        StringBuilder codec = new StringBuilder("hvc1.").append(space == 0 ? "" : String.valueOf((char) ('A' + space - 1)))
                .append(profile).append('.').append(Long.toHexString(Integer.reverse((int) compatibility) & 0xffffffffL)
                        .toUpperCase(Locale.ROOT))
                .append('.').append(highTier ? 'H' : 'L').append(record[12] & 0xff);
        int last = 11;
        while (last >= 6 && record[last] == 0) {
            last--;
        }
        for (int b = 6; b <= last; b++) {
            codec.append('.').append(String.format(Locale.ROOT, "%X", record[b] & 0xff));
        }
        return codec.toString();
    }

    /** RFC 6381 codec string for H.264 from ffprobe's profile name and level. */
    static String avcCodec(String profile, int level) {
        String profileIdc = switch (profile.toLowerCase(Locale.ROOT)) {
            case "baseline", "constrained baseline" -> "42c0";
            case "main" -> "4d40";
            case "high 10" -> "6e00";
            default -> "6400";
        };
        return "avc1." + profileIdc + String.format(Locale.ROOT, "%02x", level);
    }
}
