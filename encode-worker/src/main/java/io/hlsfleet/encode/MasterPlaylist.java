package io.hlsfleet.encode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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

    /** Measured facts about one written variant. */
    record VariantStats(PlannedVariant variant, long peakBitsPerSecond, long averageBitsPerSecond, String codecs,
            double frameRate) {
    }

    /** Bitrates and length of a variant as written. */
    record Measured(long peakBitsPerSecond, long averageBitsPerSecond, double seconds) {
    }

    static void write(Path outDir, List<VariantStats> variants, Container container) throws IOException {
        // Fragmented MP4 segments need version 7 (EXT-X-MAP in a media playlist without I-frames-only).
        int version = container == Container.FMP4 ? 7 : 3;
        StringBuilder m3u8 = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:" + version + "\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        for (VariantStats stats : variants) {
            PlannedVariant v = stats.variant();
            m3u8.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(stats.peakBitsPerSecond())
                    .append(",AVERAGE-BANDWIDTH=").append(stats.averageBitsPerSecond())
                    .append(",RESOLUTION=").append(v.width()).append('x').append(v.height())
                    .append(",CODECS=\"").append(stats.codecs()).append('"');
            if (stats.frameRate() > 0) {
                m3u8.append(",FRAME-RATE=").append(String.format(Locale.ROOT, "%.3f", stats.frameRate()));
            }
            m3u8.append('\n').append(v.name()).append("/index.m3u8\n");
        }
        Files.writeString(outDir.resolve("master.m3u8"), m3u8.toString(), StandardCharsets.UTF_8);
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
                int comma = line.indexOf(',');
                duration = Double.parseDouble(line.substring(8, comma < 0 ? line.length() : comma));
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
                int comma = line.indexOf(',');
                longest = Math.max(longest, Double.parseDouble(line.substring(8, comma < 0 ? line.length() : comma)));
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
