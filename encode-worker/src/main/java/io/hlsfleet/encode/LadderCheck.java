package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.PublishedVideo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a freshly encoded ladder before it is staged: the master and every variant playlist it
 * lists are there, each variant is a finished VOD playlist, and every segment it lists is a
 * non-empty file. ffmpeg's HLS muxer ignores write errors: on a full disk it can exit 0 with empty
 * segments or a missing playlist, and such a ladder must be encoded again rather than published.
 * The same goes for every audio and subtitle rendition, and for a master playlist that breaks the
 * authoring rules players rely on ({@link #conformance}), and for every I-frame playlist.
 */
final class LadderCheck {

    private LadderCheck() {
    }

    static void verify(Path ladder) throws JobFailure, IOException {
        Path master = ladder.resolve(PublishedVideo.MASTER);
        if (!Files.isRegularFile(master)) {
            throw JobFailure.retryable("the encoded ladder has no master playlist");
        }
        List<String> variants = entries(master);
        if (variants.isEmpty()) {
            throw JobFailure.retryable("the encoded master playlist lists no variant");
        }
        for (String variant : variants) {
            verifyVariant(ladder, variant);
        }
        List<String> lines = Files.readAllLines(master);
        for (String line : lines) {
            Matcher uri = MEDIA_URI.matcher(line);
            boolean rendition = line.startsWith("#EXT-X-MEDIA:") || line.startsWith(I_FRAME_STREAM);
            if (rendition && uri.find()) {
                verifyVariant(ladder, uri.group(1));
            }
        }
        List<String> broken = conformance(lines);
        if (!broken.isEmpty()) {
            throw JobFailure.retryable("the encoded master playlist breaks the HLS authoring rules: "
                    + String.join("; ", broken));
        }
    }

    private static final Pattern MEDIA_URI = Pattern.compile("URI=\"([^\"]+)\"");
    private static final Pattern ATTRIBUTE = Pattern.compile("([A-Z0-9-]+)=(\"[^\"]*\"|[^,]*)");
    private static final String I_FRAME_STREAM = "#EXT-X-I-FRAME-STREAM-INF:";
    private static final List<String> I_FRAME_REQUIRED = List.of("BANDWIDTH", "CODECS", "RESOLUTION", "URI");
    private static final List<String> REQUIRED = List.of("BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS", "RESOLUTION",
            "FRAME-RATE", "VIDEO-RANGE", "CLOSED-CAPTIONS");

    /**
     * The rules of Apple's HLS authoring specification that a master playlist written by this
     * encoder must keep; returns each one broken. Every variant carries the attributes players
     * choose by, AVERAGE-BANDWIDTH never above BANDWIDTH; every rendition group a variant names
     * exists, audio and subtitle groups are named by every variant, a variant naming an audio
     * group lists an audio codec, and within a group names are unique and at most one rendition is
     * the default.
     */
    static List<String> conformance(List<String> master) {
        List<String> broken = new ArrayList<>();
        Map<String, Set<String>> groups = new HashMap<>();
        Map<String, Integer> defaults = new HashMap<>();
        for (String line : master) {
            if (line.startsWith("#EXT-X-MEDIA:")) {
                Map<String, String> media = attributes(line);
                String group = media.get("TYPE") + " " + media.get("GROUP-ID");
                if (!groups.computeIfAbsent(group, g -> new HashSet<>()).add(media.get("NAME"))) {
                    broken.add(group + " has two renditions named " + media.get("NAME"));
                }
                if ("YES".equals(media.get("DEFAULT"))) {
                    defaults.merge(group, 1, Integer::sum);
                }
            }
        }
        defaults.forEach((group, count) -> {
            if (count > 1) {
                broken.add(group + " has " + count + " default renditions");
            }
        });
        for (String line : master) {
            if (line.startsWith(I_FRAME_STREAM)) {
                Map<String, String> iFrames = attributes(line);
                for (String required : I_FRAME_REQUIRED) {
                    if (!iFrames.containsKey(required)) {
                        broken.add("an I-frame playlist has no " + required);
                    }
                }
                if (namesAudioCodec(iFrames.getOrDefault("CODECS", ""))) {
                    broken.add("an I-frame playlist lists an audio codec");
                }
            }
            if (!line.startsWith("#EXT-X-STREAM-INF:")) {
                continue;
            }
            Map<String, String> variant = attributes(line);
            for (String required : REQUIRED) {
                if (!variant.containsKey(required)) {
                    broken.add("a variant has no " + required);
                }
            }
            if (variant.containsKey("AVERAGE-BANDWIDTH") && variant.containsKey("BANDWIDTH")
                    && Long.parseLong(variant.get("AVERAGE-BANDWIDTH")) > Long.parseLong(variant.get("BANDWIDTH"))) {
                broken.add("a variant's AVERAGE-BANDWIDTH is above its BANDWIDTH");
            }
            for (String type : List.of("AUDIO", "SUBTITLES", "CLOSED-CAPTIONS")) {
                String named = variant.get(type);
                boolean exists = groups.keySet().stream().anyMatch(g -> g.startsWith(type + " "));
                if (named != null && !named.equals("NONE") && !groups.containsKey(type + " " + named)) {
                    broken.add("a variant names " + type + " group " + named + ", which is not declared");
                } else if (named == null && exists && !type.equals("CLOSED-CAPTIONS")) {
                    broken.add("a variant names no " + type + " group although the master declares one");
                }
            }
            if (variant.containsKey("AUDIO") && !namesAudioCodec(variant.getOrDefault("CODECS", ""))) {
                broken.add("a variant with an audio group lists no audio codec in CODECS");
            }
            String range = variant.getOrDefault("VIDEO-RANGE", "SDR");
            boolean hevc = variant.getOrDefault("CODECS", "").startsWith("hvc1.");
            if (!range.equals("SDR") != hevc) {
                broken.add("a variant's VIDEO-RANGE=" + range + " does not go with its CODECS "
                        + variant.get("CODECS") + " (the encoder writes HDR in HEVC only)");
            }
        }
        return broken;
    }

    /** Whether a CODECS value names an audio codec the encoder writes: AAC, E-AC-3 or AC-3. */
    static boolean namesAudioCodec(String codecs) {
        return List.of(codecs.split(",")).stream().map(String::strip)
                .anyMatch(c -> c.startsWith("mp4a.") || c.equals("ec-3") || c.equals("ac-3"));
    }

    /** The attributes of a tag line; quoted values without their quotes. */
    static Map<String, String> attributes(String line) {
        Map<String, String> attributes = new HashMap<>();
        Matcher m = ATTRIBUTE.matcher(line.substring(line.indexOf(':') + 1));
        while (m.find()) {
            attributes.put(m.group(1), m.group(2).replace("\"", ""));
        }
        return attributes;
    }

    /**
     * Checks one variant playlist (relative to the ladder folder): finished, and every segment it
     * lists a non-empty file inside the ladder.
     */
    static void verifyVariant(Path ladder, String variant) throws JobFailure, IOException {
        Path playlist = ladder.resolve(variant).normalize();
        if (!playlist.startsWith(ladder) || !Files.isRegularFile(playlist)
                || !Files.readString(playlist).contains("#EXT-X-ENDLIST")) {
            throw JobFailure.retryable("the encoder left variant playlist " + variant + " missing or unfinished");
        }
        List<String> segments = entries(playlist);
        for (String segment : segments) {
            Path file = playlist.resolveSibling(segment).normalize();
            if (!file.startsWith(ladder) || !Files.isRegularFile(file) || Files.size(file) == 0) {
                throw JobFailure.retryable("the encoder's disk is full or failing: segment " + segment + " of "
                        + variant + " is missing or empty");
            }
        }
        if (segments.isEmpty()) {
            throw JobFailure.retryable("the encoded variant " + variant + " has no segment");
        }
    }

    /** The URIs a playlist lists (its non-tag lines), in order. */
    static List<String> entries(Path playlist) throws IOException {
        return Files.readAllLines(playlist).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }
}
