package io.hlsfleet.encode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes {@code master.m3u8} from what was really encoded: BANDWIDTH is the peak segment bitrate
 * and AVERAGE-BANDWIDTH the mean over the whole variant, both measured on the written segments,
 * and CODECS carries the profile and level the encoder used.
 */
final class MasterPlaylist {

    private MasterPlaylist() {
    }

    /** Measured facts about one written variant. */
    record VariantStats(PlannedVariant variant, long peakBitsPerSecond, long averageBitsPerSecond, String codecs,
            double frameRate) {
    }

    static void write(Path outDir, List<VariantStats> variants) throws IOException {
        StringBuilder m3u8 = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n");
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

    /** Peak and average bitrate of a variant from its playlist's durations and its segments' sizes. */
    static long[] measure(Path variantDir) throws IOException {
        List<String> lines = Files.readAllLines(variantDir.resolve("index.m3u8"), StandardCharsets.UTF_8);
        double totalSeconds = 0;
        long totalBytes = 0;
        long peak = 0;
        double duration = 0;
        for (String line : lines) {
            if (line.startsWith("#EXTINF:")) {
                duration = Double.parseDouble(line.substring(8, line.indexOf(',') < 0 ? line.length() : line.indexOf(',')));
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
        return new long[] {Math.max(peak, average), average};
    }

    /** RFC 6381 codec string for H.264 from ffprobe's profile name and level. */
    static String avcCodec(String profile, int level) {
        String profileIdc = switch (profile.toLowerCase(Locale.ROOT)) {
            case "baseline", "constrained baseline" -> "42e0";
            case "main" -> "4d40";
            case "high 10" -> "6e00";
            default -> "6400";
        };
        return "avc1." + profileIdc + String.format(Locale.ROOT, "%02x", level);
    }
}
