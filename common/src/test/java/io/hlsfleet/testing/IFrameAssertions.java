package io.hlsfleet.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The I-frame playlist rules of a ladder: every video variant of an unencrypted ladder has an
 * {@code EXT-X-I-FRAME-STREAM-INF} in its own folder with its resolution; each I-frame playlist is
 * a finished I-frames-only media playlist lasting as long as the source; every byte range lies
 * inside its segment, and the bytes of a range (after the init segment, for fMP4) decode on their
 * own to a picture that is a keyframe — which is what a player fetching only that range needs.
 */
final class IFrameAssertions {

    /** Ranges decoded per I-frame playlist: the first, the last and some between. */
    private static final int DECODED_PER_PLAYLIST = 6;

    private IFrameAssertions() {
    }

    private record Entry(double seconds, long length, long offset, String segment) {
    }

    static void check(Path ladderDir, List<String> master, double srcDuration, List<String> problems)
            throws IOException, InterruptedException {
        Map<String, Map<String, String>> iFrameStreams = new LinkedHashMap<>();
        List<String> variantUris = new ArrayList<>();
        Map<String, String> resolutions = new LinkedHashMap<>();
        for (int i = 0; i < master.size(); i++) {
            String line = master.get(i);
            if (line.startsWith("#EXT-X-I-FRAME-STREAM-INF:")) {
                Map<String, String> attrs = LadderAssertions.attributes(line.substring(line.indexOf(':') + 1));
                iFrameStreams.put(attrs.get("URI"), attrs);
            } else if (line.startsWith("#EXT-X-STREAM-INF:") && i + 1 < master.size()) {
                String uri = master.get(i + 1).strip();
                variantUris.add(uri);
                resolutions.put(uri, LadderAssertions.attributes(line.substring(line.indexOf(':') + 1)).get("RESOLUTION"));
            }
        }
        for (String variant : variantUris) {
            if (encrypted(ladderDir.resolve(variant))) {
                continue;
            }
            String folder = parentOf(variant);
            Map<String, String> iFrames = iFrameStreams.entrySet().stream()
                    .filter(e -> e.getKey() != null && parentOf(e.getKey()).equals(folder))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            if (iFrames == null) {
                problems.add(variant + ": has no I-frame playlist");
            } else if (!resolutions.get(variant).equals(iFrames.get("RESOLUTION"))) {
                problems.add(variant + ": its I-frame playlist says RESOLUTION=" + iFrames.get("RESOLUTION"));
            }
        }
        for (Map.Entry<String, Map<String, String>> stream : iFrameStreams.entrySet()) {
            checkPlaylist(ladderDir, stream.getKey(), stream.getValue(), srcDuration, problems);
        }
    }

    private static void checkPlaylist(Path ladderDir, String uri, Map<String, String> attrs, double srcDuration,
            List<String> problems) throws IOException, InterruptedException {
        String p = "I-frame playlist " + uri + ": ";
        long bandwidth = LadderAssertions.number(attrs.get("BANDWIDTH"));
        long average = LadderAssertions.number(attrs.get("AVERAGE-BANDWIDTH"));
        if (bandwidth <= 0 || average > bandwidth) {
            problems.add(p + "BANDWIDTH " + bandwidth + " must be positive and at least AVERAGE-BANDWIDTH " + average);
        }
        if (attrs.getOrDefault("CODECS", "").contains("mp4a")) {
            problems.add(p + "CODECS names audio: " + attrs.get("CODECS"));
        }
        Path playlist = uri == null ? null : ladderDir.resolve(uri);
        if (playlist == null || !Files.isRegularFile(playlist)) {
            problems.add(p + "missing");
            return;
        }
        LadderAssertions.checkMediaPlaylist(playlist, p, problems);
        List<String> lines = Files.readAllLines(playlist, StandardCharsets.UTF_8);
        if (!lines.contains("#EXT-X-I-FRAMES-ONLY")) {
            problems.add(p + "has no #EXT-X-I-FRAMES-ONLY");
        }
        String map = null;
        List<Entry> entries = new ArrayList<>();
        double seconds = 0;
        long length = -1;
        long offset = -1;
        for (String line : lines) {
            if (line.startsWith("#EXT-X-MAP:")) {
                map = LadderAssertions.attributes(line.substring(11)).get("URI");
            } else if (line.startsWith("#EXTINF:")) {
                seconds = Double.parseDouble(line.substring(8, line.indexOf(',')));
            } else if (line.startsWith("#EXT-X-BYTERANGE:")) {
                String[] range = line.substring(17).split("@");
                length = Long.parseLong(range[0]);
                offset = Long.parseLong(range[1]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                entries.add(new Entry(seconds, length, offset, line.strip()));
                length = -1;
                offset = -1;
            }
        }
        double total = entries.stream().mapToDouble(Entry::seconds).sum();
        if (Math.abs(total - srcDuration) > 0.5) {
            problems.add(String.format(Locale.ROOT, "%sits I-frames stand for %.2f s, the source lasts %.2f s", p,
                    total, srcDuration));
        }
        Path init = map == null ? null : playlist.resolveSibling(map);
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            Path segment = playlist.resolveSibling(entry.segment());
            if (entry.length() <= 0 || entry.offset() < 0 || !Files.isRegularFile(segment)
                    || entry.offset() + entry.length() > Files.size(segment)) {
                problems.add(p + "I-frame " + i + " is not a byte range inside " + entry.segment());
            } else if (sampled(i, entries.size())) {
                String picture = firstPicture(init, segment, entry);
                if (!picture.equals("1,I")) {
                    problems.add(p + "I-frame " + i + " (" + entry.length() + "@" + entry.offset() + " of "
                            + entry.segment() + ") does not decode alone to a keyframe: " + picture);
                }
            }
        }
    }

    private static boolean sampled(int index, int count) {
        int step = Math.max(1, count / DECODED_PER_PLAYLIST);
        return index % step == 0 || index == count - 1;
    }

    /** The {@code key_frame,pict_type} of the first picture decoded from the range alone. */
    private static String firstPicture(Path init, Path segment, Entry entry) throws IOException, InterruptedException {
        Path cut = Files.createTempFile("iframe", init == null ? ".ts" : ".mp4");
        try {
            try (OutputStream out = Files.newOutputStream(cut); RandomAccessFile in = new RandomAccessFile(segment.toFile(), "r")) {
                if (init != null) {
                    out.write(Files.readAllBytes(init));
                }
                byte[] range = new byte[(int) entry.length()];
                in.seek(entry.offset());
                in.readFully(range);
                out.write(range);
            }
            String out = Processes.run(new ProcessBuilder("ffprobe", "-v", "quiet", "-select_streams", "v:0",
                    "-show_frames", "-read_intervals", "%+#1", "-show_entries", "frame=key_frame,pict_type",
                    "-of", "csv=p=0", cut.toString()), null, Duration.ofSeconds(60)).out().strip();
            // Each line is key_frame,pict_type and then any side data of the frame.
            String[] first = out.lines().findFirst().orElse("").split(",");
            return first.length < 2 ? "no picture" : first[0] + "," + first[1];
        } finally {
            Files.deleteIfExists(cut);
        }
    }

    private static boolean encrypted(Path variantPlaylist) throws IOException {
        return Files.isRegularFile(variantPlaylist)
                && Files.readString(variantPlaylist).contains("#EXT-X-KEY:METHOD=AES-128");
    }

    private static String parentOf(String uri) {
        int slash = uri.lastIndexOf('/');
        return slash < 0 ? "" : uri.substring(0, slash);
    }
}
