package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.worker.ChildProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A written video variant read back by one ffprobe over its init segment and segments joined in
 * order (the concat protocol): its video stream as the demuxer sees it, and every video packet
 * with its place in its own file. One process per variant, because starting ffprobe costs about
 * as much CPU as reading a short variant's packets.
 *
 * @param playlist the variant's media playlist
 * @param files the init segment (fMP4) and the segments, in the order they were joined
 * @param videoStream ffprobe's fields of the first video stream ({@code codec_name}, {@code profile},
 *     {@code level}, {@code closed_captions}, {@code start_time}); empty when there is none
 * @param packets every video packet, in decoding order
 */
record VariantProbe(IFramePlaylist.MediaPlaylist playlist, List<String> files, Map<String, String> videoStream,
        List<VideoPacket> packets) {

    private static final String STREAM_FIELDS = "codec_name,profile,level,closed_captions,start_time";
    private static final String PACKET_FIELDS = "pts_time,pos,size,flags";

    /**
     * A video packet as ffprobe reports it, its position made relative to its own file.
     *
     * @param file the index in {@link #files()} of the file it is in
     */
    record VideoPacket(int file, long offset, long size, double pts, boolean key) {
    }

    static VariantProbe read(Path variantDir, String ffprobe) throws IOException, InterruptedException, JobFailure {
        IFramePlaylist.MediaPlaylist playlist = IFramePlaylist.MediaPlaylist.read(variantDir.resolve("index.m3u8"));
        List<String> files = new ArrayList<>();
        if (playlist.map() != null) {
            files.add(playlist.map());
        }
        files.addAll(playlist.segments());
        long[] starts = new long[files.size() + 1];
        for (int i = 0; i < files.size(); i++) {
            starts[i + 1] = starts[i] + Files.size(variantDir.resolve(files.get(i)));
        }
        ProcessBuilder command = new ProcessBuilder(ffprobe, "-v", "error", "-protocol_whitelist", "concat,file",
                "-select_streams", "v:0", "-show_entries", "stream=" + STREAM_FIELDS + ":packet=" + PACKET_FIELDS,
                "-of", "compact", "concat:" + String.join("|", files)).directory(variantDir.toFile());
        Process probe = ChildProcesses.start(command);
        try {
            String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!probe.waitFor(60, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                throw JobFailure.retryable("the encoded " + variantDir.getFileName() + " variant could not be read back");
            }
            Map<String, String> videoStream = Map.of();
            List<VideoPacket> packets = new ArrayList<>();
            for (String line : (Iterable<String>) out.lines()::iterator) {
                // Compact output: one line per section, its name first. MPEG-TS also lists the
                // stream under its program ("program|stream|..."); the plain "stream|" line is the same.
                if (line.startsWith("stream|") && videoStream.isEmpty()) {
                    videoStream = fields(line);
                } else if (line.startsWith("packet|")) {
                    Map<String, String> fields = fields(line);
                    long pos = parseLong(fields.get("pos"));
                    double pts = parseDouble(fields.get("pts_time"));
                    if (pos < 0 || Double.isNaN(pts)) {
                        continue;
                    }
                    int file = fileOf(starts, pos);
                    packets.add(new VideoPacket(file, pos - starts[file], parseLong(fields.get("size")), pts,
                            fields.getOrDefault("flags", "").startsWith("K")));
                }
            }
            return new VariantProbe(playlist, List.copyOf(files), videoStream, packets);
        } finally {
            ChildProcesses.kill(probe);
        }
    }

    /** A field of the video stream as a whole number, -1 when absent or not a number. */
    long streamNumber(String field) {
        return parseLong(videoStream.get(field));
    }

    /** When the video starts, in seconds; 0 when ffprobe gives no start time. */
    double startSeconds() {
        double start = parseDouble(videoStream.get("start_time"));
        return Double.isNaN(start) ? 0 : start;
    }

    /** The {@code key=value} fields of one line of compact output. */
    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new HashMap<>();
        for (String field : line.split("\\|")) {
            int eq = field.indexOf('=');
            if (eq > 0) {
                fields.put(field.substring(0, eq), field.substring(eq + 1));
            }
        }
        return fields;
    }

    private static int fileOf(long[] starts, long pos) {
        int file = 0;
        while (file + 2 < starts.length && pos >= starts[file + 1]) {
            file++;
        }
        return file;
    }

    private static long parseLong(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A number as ffprobe writes it, NaN when absent or not a number ({@code N/A}). */
    private static double parseDouble(String value) {
        try {
            return value == null ? Double.NaN : Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
