package io.hlsfleet.encode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts a whole WebVTT file (as ffmpeg converts a text subtitle track) into segments that line up
 * with the video's segments, and writes their media playlist. Every segment file carries an
 * {@code X-TIMESTAMP-MAP} that ties the cue clock (0 at the start of the video) to the video's
 * first presentation timestamp, so cues land where they belong in MPEG-TS and in fMP4 ladders.
 * A cue that spans a segment boundary is repeated in both segments, so it shows after a seek too
 * (players drop the duplicate).
 */
final class SubtitleSegmenter {

    private static final Pattern TIMING = Pattern.compile(
            "^((?:\\d+:)?\\d{2}:\\d{2}\\.\\d{3})\\s+-->\\s+((?:\\d+:)?\\d{2}:\\d{2}\\.\\d{3})");

    private SubtitleSegmenter() {
    }

    /** One cue: its times in seconds and its block as written (identifier, timing line, text). */
    record Cue(double start, double end, String block) {
    }

    /**
     * Writes {@code seg_NNNNN.vtt} files and {@code index.m3u8} beside {@code wholeVtt}, one segment
     * per entry of {@code segmentSeconds}, then deletes the whole file.
     *
     * @param firstPts the video's first presentation time in seconds (what cue time 0 maps to)
     */
    static void segment(Path wholeVtt, List<Double> segmentSeconds, double firstPts) throws IOException {
        List<Cue> cues = parse(Files.readString(wholeVtt, StandardCharsets.UTF_8));
        Path dir = wholeVtt.getParent();
        String header = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:" + Math.round(firstPts * 90_000) + ",LOCAL:00:00:00.000\n\n";
        StringBuilder playlist = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:")
                .append((int) Math.ceil(segmentSeconds.stream().mapToDouble(Double::doubleValue).max().orElse(1)))
                .append("\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n");
        double start = 0;
        for (int i = 0; i < segmentSeconds.size(); i++) {
            double duration = segmentSeconds.get(i);
            double end = i == segmentSeconds.size() - 1 ? Double.MAX_VALUE : start + duration;
            StringBuilder vtt = new StringBuilder(header);
            for (Cue cue : cues) {
                if (cue.start() < end && cue.end() > start) {
                    vtt.append(cue.block()).append("\n\n");
                }
            }
            String name = String.format(Locale.ROOT, "seg_%05d.vtt", i);
            Files.writeString(dir.resolve(name), vtt, StandardCharsets.UTF_8);
            playlist.append(String.format(Locale.ROOT, "#EXTINF:%.6f,\n", duration)).append(name).append('\n');
            start += duration;
        }
        playlist.append("#EXT-X-ENDLIST\n");
        Files.writeString(dir.resolve("index.m3u8"), playlist, StandardCharsets.UTF_8);
        Files.delete(wholeVtt);
    }

    /** The cues of a WebVTT file, in file order; header and NOTE/STYLE blocks are left out. */
    static List<Cue> parse(String vtt) {
        List<Cue> cues = new ArrayList<>();
        for (String block : vtt.replace("\r\n", "\n").split("\n\\s*\n")) {
            List<String> lines = block.strip().lines().toList();
            for (int i = 0; i < Math.min(2, lines.size()); i++) {
                Matcher timing = TIMING.matcher(lines.get(i));
                if (timing.find()) {
                    cues.add(new Cue(seconds(timing.group(1)), seconds(timing.group(2)), block.strip()));
                    break;
                }
            }
        }
        return cues;
    }

    /** {@code hh:mm:ss.ttt} or {@code mm:ss.ttt} in seconds. */
    static double seconds(String timestamp) {
        String[] parts = timestamp.split(":");
        double value = 0;
        for (String part : parts) {
            value = value * 60 + Double.parseDouble(part);
        }
        return value;
    }
}
