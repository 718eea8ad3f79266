package io.hlsfleet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks that a finished HLS ladder plays everywhere, by looking at what was really written rather
 * than at what the encoder meant to write. Collects every broken rule and fails once with all of
 * them.
 *
 * <p>Master playlist: at least one variant; each with BANDWIDTH at or above AVERAGE-BANDWIDTH,
 * RESOLUTION equal to the variant's real picture size, CODECS whose avc1 profile and level are the
 * ones in the bitstream, and FRAME-RATE close to the variant's real frame rate. Variant playlists:
 * EXT-X-TARGETDURATION at least the longest EXTINF rounded up, EXT-X-PLAYLIST-TYPE:VOD and
 * EXT-X-ENDLIST. Every variant decodes without an error, lasts as long as the source (within half
 * a second), is 8-bit 4:2:0 H.264 (an HDR variant, VIDEO-RANGE HLG or PQ: 10-bit HEVC Main10 in
 * BT.2020 with that transfer), keeps the source's displayed orientation and is never larger
 * (short side) than the source. Audio may be muxed into the variants or published as
 * {@code EXT-X-MEDIA:TYPE=AUDIO} renditions of a group the variant names: each rendition playlist
 * is held to the same media playlist rules, decodes cleanly and lasts as long as the source, and
 * the variant's CODECS must name the audio codec (AAC, E-AC-3 or AC-3) either way. I-frame playlists are held to
 * {@link IFrameAssertions}' rules.
 */
public final class LadderAssertions {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * One checked variant.
     *
     * @param hasAudio whether a player gets audio with it: muxed in, or from its audio group
     */
    public record Variant(String uri, int width, int height, long bandwidth, long averageBandwidth, String codecs,
            boolean hasAudio) {

        public int shortSide() {
            return Math.min(width, height);
        }
    }

    /** A checked ladder: its variants in master order. */
    public record Ladder(List<Variant> variants) {

        public List<Integer> shortSides() {
            return variants.stream().map(Variant::shortSide).toList();
        }
    }

    private LadderAssertions() {
    }

    /**
     * Checks the ladder of {@code videoId} in {@code bucket} against its source, as
     * {@link #assertValidLadder} does, and that its variants have {@code heights}, in master order.
     */
    public static Ladder assertLadder(Path bucket, String videoId, Path source, List<Integer> heights)
            throws IOException, InterruptedException {
        Ladder ladder = assertValidLadder(bucket.resolve(videoId), source);
        List<Integer> found = ladder.variants().stream().map(Variant::height).toList();
        if (!found.equals(heights)) {
            throw new AssertionError("the ladder of " + videoId + " has variants of heights " + found + ", expected "
                    + heights);
        }
        return ladder;
    }

    /**
     * Checks the ladder whose {@code master.m3u8} is in {@code ladderDir} against its source file.
     *
     * @throws AssertionError listing every rule the ladder breaks
     */
    public static Ladder assertValidLadder(Path ladderDir, Path source) throws IOException, InterruptedException {
        Path master = ladderDir.resolve("master.m3u8");
        if (!Files.isRegularFile(master)) {
            throw new AssertionError("no master playlist (master.m3u8) in " + ladderDir);
        }
        List<String> problems = new ArrayList<>();
        JsonNode src = probe(source);
        JsonNode srcVideo = firstStream(src, "video");
        int srcW = srcVideo.path("width").asInt();
        int srcH = srcVideo.path("height").asInt();
        if (Math.abs(rotation(srcVideo)) % 180 == 90) {
            int t = srcW;
            srcW = srcH;
            srcH = t;
        }
        double srcDuration = src.path("format").path("duration").asDouble();
        boolean srcAudio = firstStream(src, "audio") != null;

        List<String> lines = Files.readAllLines(master, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().equals("#EXTM3U")) {
            problems.add("master.m3u8 does not start with #EXTM3U");
        }
        Map<String, List<String>> audioGroups = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.startsWith("#EXT-X-MEDIA:")) {
                Map<String, String> media = attributes(line.substring("#EXT-X-MEDIA:".length()));
                if ("AUDIO".equals(media.get("TYPE"))) {
                    audioGroups.computeIfAbsent(media.get("GROUP-ID"), g -> new ArrayList<>()).add(media.get("URI"));
                    checkAudioRendition(ladderDir, media.get("URI"), srcDuration, problems);
                }
            }
        }
        List<Variant> variants = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("#EXT-X-STREAM-INF:")) {
                continue;
            }
            Map<String, String> attrs = attributes(lines.get(i).substring("#EXT-X-STREAM-INF:".length()));
            String uri = i + 1 < lines.size() ? lines.get(i + 1).strip() : "";
            if (attrs.containsKey("AUDIO") && !audioGroups.containsKey(attrs.get("AUDIO"))) {
                problems.add(uri + ": names audio group " + attrs.get("AUDIO") + ", which the master does not declare");
            }
            boolean groupAudio = audioGroups.containsKey(attrs.get("AUDIO"));
            variants.add(checkVariant(ladderDir, uri, attrs, srcW, srcH, srcDuration, srcAudio, groupAudio, problems));
        }
        if (variants.isEmpty()) {
            problems.add("master.m3u8 lists no variant");
        }
        IFrameAssertions.check(ladderDir, lines, srcDuration, problems);
        if (!problems.isEmpty()) {
            throw new AssertionError("invalid ladder in " + ladderDir + ":\n  - " + String.join("\n  - ", problems));
        }
        return new Ladder(variants);
    }

    /** An audio rendition: a finished media playlist of audio only, as long as the source, clean. */
    private static void checkAudioRendition(Path ladderDir, String uri, double srcDuration, List<String> problems)
            throws IOException, InterruptedException {
        String p = "audio rendition " + uri + ": ";
        Path playlist = uri == null ? null : ladderDir.resolve(uri);
        if (playlist == null || !Files.isRegularFile(playlist)) {
            problems.add(p + "playlist missing");
            return;
        }
        checkMediaPlaylist(playlist, p, problems);
        JsonNode probed = probe(playlist);
        if (firstStream(probed, "audio") == null || firstStream(probed, "video") != null) {
            problems.add(p + "is not audio only");
        }
        checkLengthAndDecoding(playlist, probed, srcDuration, p, problems);
    }

    private static Variant checkVariant(Path ladderDir, String uri, Map<String, String> attrs, int srcW, int srcH,
            double srcDuration, boolean srcAudio, boolean groupAudio, List<String> problems)
            throws IOException, InterruptedException {
        String p = uri + ": ";
        long bandwidth = number(attrs.get("BANDWIDTH"));
        long average = number(attrs.get("AVERAGE-BANDWIDTH"));
        if (bandwidth <= 0 || average <= 0) {
            problems.add(p + "BANDWIDTH and AVERAGE-BANDWIDTH must both be there and positive: " + attrs);
        } else if (bandwidth < average) {
            problems.add(p + "BANDWIDTH " + bandwidth + " is below AVERAGE-BANDWIDTH " + average);
        }
        Path playlist = ladderDir.resolve(uri);
        if (!Files.isRegularFile(playlist)) {
            problems.add(p + "variant playlist missing");
            return new Variant(uri, 0, 0, bandwidth, average, attrs.get("CODECS"), false);
        }
        checkMediaPlaylist(playlist, p, problems);

        JsonNode probed = probe(playlist);
        JsonNode video = firstStream(probed, "video");
        boolean hasAudio = firstStream(probed, "audio") != null || groupAudio;
        if (video == null) {
            problems.add(p + "has no video stream");
            return new Variant(uri, 0, 0, bandwidth, average, attrs.get("CODECS"), hasAudio);
        }
        int w = video.path("width").asInt();
        int h = video.path("height").asInt();
        if (!(w + "x" + h).equals(attrs.get("RESOLUTION"))) {
            problems.add(p + "RESOLUTION=" + attrs.get("RESOLUTION") + " but the video is " + w + "x" + h);
        }
        String range = attrs.getOrDefault("VIDEO-RANGE", "SDR");
        if (range.equals("SDR")) {
            if (!"h264".equals(video.path("codec_name").asString())) {
                problems.add(p + "video is " + video.path("codec_name").asString() + ", not H.264");
            }
            if (!"yuv420p".equals(video.path("pix_fmt").asString())) {
                problems.add(p + "pixel format is " + video.path("pix_fmt").asString() + ", not 8-bit yuv420p");
            }
        } else {
            checkHdr(range, video, p, problems);
        }
        checkCodecs(attrs.get("CODECS"), video, hasAudio, p, problems);
        checkFrameRate(attrs.get("FRAME-RATE"), playlist, p, problems);
        if (Math.min(w, h) > Math.min(srcW, srcH)) {
            problems.add(p + "short side " + Math.min(w, h) + " is above the source's " + Math.min(srcW, srcH)
                    + " (upscaled)");
        }
        if (srcW != srcH && w != h && (srcH > srcW) != (h > w)) {
            problems.add(p + "is " + w + "x" + h + " but the source is displayed as " + srcW + "x" + srcH);
        }
        if (srcAudio && !hasAudio) {
            problems.add(p + "lost the source's audio");
        }
        checkLengthAndDecoding(playlist, probed, srcDuration, p, problems);
        return new Variant(uri, w, h, bandwidth, average, attrs.get("CODECS"), hasAudio);
    }

    /** A media playlist lasts as long as the source and decodes without an error. */
    private static void checkLengthAndDecoding(Path playlist, JsonNode probed, double srcDuration, String p,
            List<String> problems) throws IOException, InterruptedException {
        double duration = probed.path("format").path("duration").asDouble(-1);
        if (Math.abs(duration - srcDuration) > 0.5) {
            problems.add(String.format(Locale.ROOT, "%slasts %.2f s, the source %.2f s", p, duration, srcDuration));
        }
        String decodeErrors = decode(playlist);
        if (!decodeErrors.isEmpty()) {
            problems.add(p + "does not decode cleanly: " + decodeErrors.lines().findFirst().orElse(""));
        }
    }

    static void checkMediaPlaylist(Path playlist, String p, List<String> problems) throws IOException {
        List<String> lines = Files.readAllLines(playlist, StandardCharsets.UTF_8);
        int target = -1;
        double longest = 0;
        int segments = 0;
        for (String line : lines) {
            if (line.startsWith("#EXT-X-TARGETDURATION:")) {
                target = Integer.parseInt(line.substring(22).strip());
            } else if (line.startsWith("#EXTINF:")) {
                String value = line.substring(8);
                longest = Math.max(longest, Double.parseDouble(value.substring(0, value.indexOf(',') < 0
                        ? value.length() : value.indexOf(','))));
                segments++;
            } else if (!line.isBlank() && !line.startsWith("#") && !Files.isRegularFile(playlist.resolveSibling(line.strip()))) {
                problems.add(p + "segment " + line.strip() + " is missing");
            }
        }
        if (segments == 0) {
            problems.add(p + "has no segments");
        }
        if (target < Math.ceil(longest)) {
            problems.add(p + "EXT-X-TARGETDURATION " + target + " is below the longest segment " + longest);
        }
        if (!lines.contains("#EXT-X-PLAYLIST-TYPE:VOD")) {
            problems.add(p + "has no #EXT-X-PLAYLIST-TYPE:VOD");
        }
        if (!lines.contains("#EXT-X-ENDLIST")) {
            problems.add(p + "has no #EXT-X-ENDLIST");
        }
    }

    /**
     * An HDR variant (VIDEO-RANGE HLG or PQ) is HEVC Main10 tagged {@code hvc1}, 10-bit 4:2:0, in
     * BT.2020 with the transfer its VIDEO-RANGE names.
     */
    private static void checkHdr(String range, JsonNode video, String p, List<String> problems) {
        String transfer = switch (range) {
            case "HLG" -> "arib-std-b67";
            case "PQ" -> "smpte2084";
            default -> "";
        };
        List<String> found = List.of(video.path("codec_name").asString(""), video.path("codec_tag_string").asString(""),
                video.path("profile").asString(""), video.path("pix_fmt").asString(""),
                video.path("color_primaries").asString(""), video.path("color_transfer").asString(""),
                video.path("color_space").asString(""));
        List<String> expected = List.of("hevc", "hvc1", "Main 10", "yuv420p10le", "bt2020", transfer, "bt2020nc");
        if (transfer.isEmpty() || !found.equals(expected)) {
            problems.add(p + "VIDEO-RANGE=" + range + " but the video is " + found + ", not " + expected);
        }
    }

    /** Audio codecs a variant may name in CODECS: AAC, E-AC-3 and AC-3. */
    private static boolean namesAudio(String codecs) {
        return List.of(codecs.split(",")).stream()
                .anyMatch(c -> c.startsWith("mp4a.") || c.equals("ec-3") || c.equals("ac-3"));
    }

    private static void checkCodecs(String codecs, JsonNode video, boolean hasAudio, String p, List<String> problems) {
        if (codecs == null) {
            problems.add(p + "has no CODECS");
            return;
        }
        if (hasAudio != namesAudio(codecs)) {
            problems.add(p + "CODECS=" + codecs + (hasAudio ? " lacks the audio codec" : " names audio that is not there"));
        }
        String hevc = List.of(codecs.split(",")).stream().filter(c -> c.startsWith("hvc1.")).findFirst().orElse("");
        if (!hevc.isEmpty()) {
            // hvc1.<profile>.<compatibility>.<tier><level>[.<constraints>]
            String[] parts = hevc.split("\\.");
            boolean main10 = parts.length >= 4 && parts[1].equals("2") && "Main 10".equals(video.path("profile").asString());
            boolean level = parts.length >= 4 && parts[3].substring(1).equals(String.valueOf(video.path("level").asInt()));
            if (!main10 || !level) {
                problems.add(p + "CODECS=" + codecs + " does not name the stream's profile and level ("
                        + video.path("profile").asString() + ", level " + video.path("level").asInt() + ")");
            }
            return;
        }
        String avc = List.of(codecs.split(",")).stream().filter(c -> c.startsWith("avc1.")).findFirst().orElse("");
        if (avc.length() != 11) {
            problems.add(p + "CODECS=" + codecs + " has no avc1.PPCCLL entry");
            return;
        }
        int profileIdc = Integer.parseInt(avc.substring(5, 7), 16);
        int level = Integer.parseInt(avc.substring(9, 11), 16);
        int realProfile = switch (video.path("profile").asString("").toLowerCase(Locale.ROOT)) {
            case "baseline", "constrained baseline" -> 66;
            case "main" -> 77;
            case "high" -> 100;
            default -> -1;
        };
        if (profileIdc != realProfile) {
            problems.add(p + "CODECS=" + codecs + " says profile " + profileIdc + " but the stream is "
                    + video.path("profile").asString());
        }
        if (level != video.path("level").asInt()) {
            problems.add(p + "CODECS=" + codecs + " says level " + level + " but the stream has "
                    + video.path("level").asInt());
        }
    }

    /** FRAME-RATE against the frames really in the first segment (count over duration). */
    private static void checkFrameRate(String declared, Path playlist, String p, List<String> problems)
            throws IOException, InterruptedException {
        if (declared == null) {
            problems.add(p + "has no FRAME-RATE");
            return;
        }
        JsonNode frames = json(List.of("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                "-show_entries", "stream=nb_read_packets,avg_frame_rate,r_frame_rate", "-of", "json", playlist.toString()));
        JsonNode stream = frames.path("streams").path(0);
        double real = ratio(stream.path("avg_frame_rate").asString(""));
        if (real <= 0) {
            real = ratio(stream.path("r_frame_rate").asString(""));
        }
        double value = Double.parseDouble(declared);
        if (real > 0 && Math.abs(value - real) > real * 0.05 + 0.01) {
            problems.add(p + "FRAME-RATE=" + declared + " but the video runs at " + String.format(Locale.ROOT, "%.3f", real));
        }
    }

    private static double ratio(String r) {
        String[] parts = r.split("/");
        try {
            double v = parts.length == 2 ? Double.parseDouble(parts[0]) / Double.parseDouble(parts[1]) : Double.parseDouble(r);
            return Double.isFinite(v) ? v : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Splits {@code A=1,B="x,y",C=z} into its attributes, honouring quotes. */
    static Map<String, String> attributes(String list) {
        Map<String, String> attrs = new LinkedHashMap<>();
        int i = 0;
        while (i < list.length()) {
            int eq = list.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = list.substring(i, eq).strip();
            int end;
            String value;
            if (eq + 1 < list.length() && list.charAt(eq + 1) == '"') {
                int close = list.indexOf('"', eq + 2);
                value = list.substring(eq + 2, close);
                end = close + 1;
            } else {
                end = list.indexOf(',', eq);
                end = end < 0 ? list.length() : end;
                value = list.substring(eq + 1, end);
            }
            attrs.put(key, value);
            i = end + 1;
        }
        return attrs;
    }

    static long number(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int rotation(JsonNode video) {
        for (JsonNode side : video.path("side_data_list")) {
            if (side.has("rotation")) {
                return side.path("rotation").asInt();
            }
        }
        return video.path("tags").path("rotate").asInt(0);
    }

    private static JsonNode firstStream(JsonNode probed, String type) {
        for (JsonNode s : probed.path("streams")) {
            if (type.equals(s.path("codec_type").asString()) && s.path("disposition").path("attached_pic").asInt(0) == 0) {
                return s;
            }
        }
        return null;
    }

    private static JsonNode probe(Path file) throws IOException, InterruptedException {
        return json(List.of("ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", file.toString()));
    }

    private static JsonNode json(List<String> command) throws IOException, InterruptedException {
        Processes.Result probed = Processes.run(new ProcessBuilder(command), null, Duration.ofSeconds(60));
        if (!probed.succeeded()) {
            throw new AssertionError("ffprobe could not read " + command.getLast());
        }
        return JSON.readTree(probed.out());
    }

    /** Decodes every stream of a playlist; returns ffmpeg's error output, empty when clean. */
    private static String decode(Path playlist) throws IOException, InterruptedException {
        Processes.Result decoded = Processes.run(new ProcessBuilder("ffmpeg", "-nostdin", "-v", "error", "-i",
                playlist.toString(), "-map", "0", "-f", "null", "-"), null, Duration.ofSeconds(120));
        String err = decoded.err().strip();
        return !decoded.succeeded() && err.isEmpty() ? "ffmpeg exit code " + decoded.exitCode() : err;
    }
}
