package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.worker.ChildProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the admission gate on a staged source before anything is encoded: a look at its first
 * bytes, then ffprobe held to the local file and to the accepted demuxers, then the limits. What
 * passes is described by a {@link MediaInfo} that the encoder trusts.
 */
public final class Prober {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Pixel formats (by prefix) whose pictures reach the filters as RGB, grey with alpha and palettes included. */
    private static final List<String> RGB_PIXEL_FORMATS = List.of("rgb", "bgr", "gbr", "argb", "abgr", "0rgb", "0bgr",
            "x2rgb", "x2bgr", "pal8", "ya8", "ya16", "xyz12");

    /** Subtitle codecs ffmpeg converts to WebVTT. */
    static final Set<String> TEXT_SUBTITLES = Set.of("mov_text", "subrip", "srt", "ass", "ssa", "webvtt", "text");

    /** How long ffprobe may take; it reads headers only, so longer means it hangs. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final String ffprobe;
    private final String ffmpeg;
    private final Admission.Limits limits;
    private final Duration timeout;

    /** @param ffmpeg runs {@code idet} on sources whose container does not say how they are scanned */
    public Prober(String ffprobe, String ffmpeg, Admission.Limits limits) {
        this(ffprobe, ffmpeg, limits, TIMEOUT);
    }

    /** The prober of the encode stage: the binaries and admission limits of {@code settings}. */
    public static Prober of(EncodeSettings settings) {
        return new Prober(settings.binaries().ffprobe(), settings.binaries().ffmpeg(), settings.limits());
    }

    Prober(String ffprobe, String ffmpeg, Admission.Limits limits, Duration timeout) {
        this.ffprobe = ffprobe;
        this.ffmpeg = ffmpeg;
        this.limits = limits;
        this.timeout = timeout;
    }

    public MediaInfo probe(Path source) throws JobFailure, IOException, InterruptedException {
        Admission.sniff(source);
        ProcessBuilder builder = new ProcessBuilder(List.of(ffprobe, "-v", "error",
                "-protocol_whitelist", "file", "-format_whitelist", Admission.formatWhitelist(),
                "-print_format", "json", "-show_format", "-show_streams",
                "file:" + source.toAbsolutePath()));
        Process process = ChildProcesses.start(builder);
        try {
            // Both pipes are read beside the wait, so that a hung ffprobe meets the timeout instead
            // of holding the reader forever, and neither pipe can fill up.
            CompletableFuture<byte[]> out = readAll(process.getInputStream());
            CompletableFuture<byte[]> err = readAll(process.getErrorStream());
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw JobFailure.retryable("ffprobe did not finish within " + timeout.toSeconds() + " s");
            }
            if (process.exitValue() != 0) {
                throw JobFailure.permanent(Admission.unreadableReason(
                        new String(err.join(), StandardCharsets.UTF_8).strip()));
            }
            JsonNode root = JSON.readTree(out.join());
            MediaInfo media = parse(root);
            Admission.checkLimits(media, root.path("streams").size(), limits);
            if (media.picture().scan() == MediaInfo.Scan.UNKNOWN) {
                media = media.withPicture(media.picture().withScan(
                        InterlaceDetector.detect(ffmpeg, source, media)));
            }
            if (media.picture().transfer() == MediaInfo.Transfer.PQ && media.picture().masterDisplay().isEmpty()
                    && media.picture().contentLight().isEmpty()) {
                media = media.withPicture(firstFrameHdr10(source, media));
            }
            return media;
        } finally {
            ChildProcesses.kill(process);
        }
    }

    /**
     * HDR10 metadata carried in the video itself (SEI messages of HEVC, metadata OBUs of AV1) rather
     * than in the container: ffprobe shows it on the decoded frames only, so the first one is read.
     * Without it the HDR ladder is still right, only without the hints for the display's tone mapping.
     */
    private MediaInfo.Picture firstFrameHdr10(Path source, MediaInfo media) throws IOException, InterruptedException {
        Process process = ChildProcesses.start(new ProcessBuilder(ffprobe, "-v", "error",
                "-protocol_whitelist", "file", "-format_whitelist", Admission.formatWhitelist(),
                "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames", "-show_entries",
                "frame=side_data_list", "-of", "json", "file:" + source.toAbsolutePath()));
        try {
            CompletableFuture<byte[]> out = readAll(process.getInputStream());
            readAll(process.getErrorStream());
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
                return media.picture();
            }
            JsonNode frame = JSON.readTree(out.join()).path("frames").path(0);
            return withHdr10(media.picture(), frame.path("side_data_list"));
        } finally {
            ChildProcesses.kill(process);
        }
    }

    /**
     * The picture with the HDR10 mastering display and content light levels of {@code sideData}
     * (ffprobe's side data of a stream or frame) in x265's syntax: chromaticities in units of
     * 0.00002, luminances in units of 0.0001 cd/m².
     */
    static MediaInfo.Picture withHdr10(MediaInfo.Picture picture, JsonNode sideData) {
        String masterDisplay = picture.masterDisplay();
        String contentLight = picture.contentLight();
        for (JsonNode side : sideData) {
            String type = side.path("side_data_type").asString("");
            if (type.equals("Mastering display metadata") && side.has("max_luminance")) {
                masterDisplay = "G(" + scaled(side, "green_x", 50000) + "," + scaled(side, "green_y", 50000) + ")"
                        + "B(" + scaled(side, "blue_x", 50000) + "," + scaled(side, "blue_y", 50000) + ")"
                        + "R(" + scaled(side, "red_x", 50000) + "," + scaled(side, "red_y", 50000) + ")"
                        + "WP(" + scaled(side, "white_point_x", 50000) + "," + scaled(side, "white_point_y", 50000) + ")"
                        + "L(" + scaled(side, "max_luminance", 10000) + "," + scaled(side, "min_luminance", 10000) + ")";
            } else if (type.equals("Content light level metadata") && side.has("max_content")) {
                contentLight = side.path("max_content").asInt() + "," + side.path("max_average").asInt();
            }
        }
        return picture.withHdr10(masterDisplay, contentLight);
    }

    private static long scaled(JsonNode side, String field, int units) {
        return Math.round(ratio(side.path(field).asString("0")) * units);
    }

    private static CompletableFuture<byte[]> readAll(InputStream stream) {
        CompletableFuture<byte[]> read = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                read.complete(stream.readAllBytes());
            } catch (IOException closed) {
                // The process was killed; what it wrote is of no use then.
                read.complete(new byte[0]);
            }
        });
        return read;
    }

    /** Reads ffprobe's JSON; refuses what has no usable video stream or an unaccepted container. */
    static MediaInfo parse(JsonNode root) throws JobFailure {
        String format = root.path("format").path("format_name").asString("");
        if (!Admission.accepted(format)) {
            throw JobFailure.permanent("the file's container (" + format + ") is not accepted; send " + Admission.ACCEPTED);
        }
        JsonNode video = null;
        JsonNode audio = null;
        for (JsonNode stream : root.path("streams")) {
            String type = stream.path("codec_type").asString("");
            if (type.equals("video") && video == null && stream.path("disposition").path("attached_pic").asInt(0) == 0) {
                video = stream;
            } else if (type.equals("audio") && (audio == null
                    || stream.path("disposition").path("default").asInt(0) == 1
                    && audio.path("disposition").path("default").asInt(0) == 0)) {
                audio = stream;
            }
        }
        if (video == null) {
            throw JobFailure.permanent("the file has no video stream" + (audio != null ? " (it is audio only)" : ""));
        }
        if (video.path("codec_name").asString("").isEmpty() || "none".equals(video.path("codec_name").asString(""))) {
            throw JobFailure.permanent("the video stream's codec (" + video.path("codec_tag_string").asString("?")
                    + ") is not one ffmpeg can decode");
        }
        int width = video.path("width").asInt(0);
        int height = video.path("height").asInt(0);
        if (width <= 0 || height <= 0) {
            throw JobFailure.permanent("the video stream has no picture size");
        }
        if (video.path("nb_frames").asLong(2) == 1) {
            throw JobFailure.permanent("the file holds a single picture, not a video");
        }
        // Non-square pixels: the picture is shown wider or narrower than it is coded.
        double sampleAspect = ratio(video.path("sample_aspect_ratio").asString("1:1").replace(':', '/'));
        if (sampleAspect > 0 && Math.abs(sampleAspect - 1) > 0.001) {
            width = Math.max(2, (int) Math.round(width * sampleAspect / 2) * 2);
        }
        if (Math.abs(rotation(video)) % 180 == 90) {
            int swap = width;
            width = height;
            height = swap;
        }
        double duration = root.path("format").path("duration").asDouble(0);
        if (duration <= 0) {
            duration = video.path("duration").asDouble(0);
        }
        if (duration <= 0) {
            throw JobFailure.permanent("the file's duration is unknown; it may be truncated");
        }
        // HLS wants the highest frame rate: for variable frame rate that is r_frame_rate, unless the
        // container reports a timebase-like value there (Matroska can say 1000 fps).
        double average = ratio(video.path("avg_frame_rate").asString(""));
        double highest = ratio(video.path("r_frame_rate").asString(""));
        double frameRate = highest > 0 && highest <= 120 && highest >= average ? highest : average;
        List<String> leftOut = new ArrayList<>();
        return new MediaInfo(format, width, height, duration, frameRate, video.path("index").asInt(0),
                audio == null ? -1 : audio.path("index").asInt(), picture(video), audioTracks(root, audio),
                subtitles(root, leftOut), leftOut);
    }

    /**
     * Scan and colour from the stream's tags. A Dolby Vision stream is encoded from its base
     * layer (ffmpeg does not apply the enhancement), whose kind its configuration record names; a
     * profile without a base layer any other player could show (profile 5) is refused.
     */
    static MediaInfo.Picture picture(JsonNode video) throws JobFailure {
        MediaInfo.Transfer transfer = switch (video.path("color_transfer").asString("")) {
            case "arib-std-b67" -> MediaInfo.Transfer.HLG;
            case "smpte2084" -> MediaInfo.Transfer.PQ;
            default -> MediaInfo.Transfer.SDR;
        };
        for (JsonNode side : video.path("side_data_list")) {
            if (side.has("dv_profile")) {
                transfer = switch (side.path("dv_bl_signal_compatibility_id").asInt(0)) {
                    case 1, 6 -> MediaInfo.Transfer.PQ;
                    case 4 -> MediaInfo.Transfer.HLG;
                    case 2 -> MediaInfo.Transfer.SDR;
                    default -> throw JobFailure.permanent("the video is Dolby Vision profile "
                            + side.path("dv_profile").asInt() + ", which has no HDR10, HLG or SDR base layer to encode;"
                            + " export it with an HDR10 base layer (profile 8.1) or as HDR10");
                };
            }
        }
        MediaInfo.Scan scan = switch (video.path("field_order").asString("unknown")) {
            case "progressive" -> MediaInfo.Scan.PROGRESSIVE;
            case "tt", "tb" -> MediaInfo.Scan.TOP_FIELD_FIRST;
            case "bb", "bt" -> MediaInfo.Scan.BOTTOM_FIELD_FIRST;
            // These codecs have no interlaced coding; looking at their pictures would only cost time.
            default -> List.of("vp8", "vp9", "av1").contains(video.path("codec_name").asString(""))
                    ? MediaInfo.Scan.PROGRESSIVE : MediaInfo.Scan.UNKNOWN;
        };
        return withHdr10(new MediaInfo.Picture(scan, transfer, video.path("color_primaries").asString(""),
                matrix(video), "pc".equals(video.path("color_range").asString(""))), video.path("side_data_list"));
    }

    /**
     * The YUV matrix, or {@code gbr} (ffprobe's name for "no matrix: RGB") for an RGB source: PNG,
     * GIF and QuickTime Animation streams carry RGB pictures and usually no colour tag.
     */
    static String matrix(JsonNode video) {
        String pixelFormat = video.path("pix_fmt").asString("");
        return RGB_PIXEL_FORMATS.stream().anyMatch(pixelFormat::startsWith) ? MediaInfo.Picture.RGB
                : video.path("color_space").asString("");
    }

    /**
     * The audio tracks a viewer would choose from: the main one first, then one per further
     * language; commentary tracks and second tracks of a language already offered are left out.
     */
    static List<MediaInfo.AudioTrack> audioTracks(JsonNode root, JsonNode main) {
        List<MediaInfo.AudioTrack> tracks = new ArrayList<>();
        if (main == null) {
            return tracks;
        }
        tracks.add(audioTrack(main));
        for (JsonNode stream : root.path("streams")) {
            MediaInfo.AudioTrack track = audioTrack(stream);
            boolean newLanguage = tracks.stream().noneMatch(t -> t.language().equals(track.language()));
            if ("audio".equals(stream.path("codec_type").asString("")) && stream != main && newLanguage
                    && stream.path("disposition").path("comment").asInt(0) == 0) {
                tracks.add(track);
            }
        }
        return tracks;
    }

    private static MediaInfo.AudioTrack audioTrack(JsonNode stream) {
        return new MediaInfo.AudioTrack(stream.path("index").asInt(), language(stream),
                stream.path("tags").path("title").asString(""), stream.path("channels").asInt(2),
                stream.path("sample_rate").asInt(0));
    }

    /** Text subtitle tracks; bitmap ones cannot become WebVTT and are named in {@code leftOut}. */
    static List<MediaInfo.SubtitleTrack> subtitles(JsonNode root, List<String> leftOut) {
        List<MediaInfo.SubtitleTrack> tracks = new ArrayList<>();
        for (JsonNode stream : root.path("streams")) {
            if (!"subtitle".equals(stream.path("codec_type").asString(""))) {
                continue;
            }
            String codec = stream.path("codec_name").asString("");
            if (TEXT_SUBTITLES.contains(codec)) {
                JsonNode disposition = stream.path("disposition");
                tracks.add(new MediaInfo.SubtitleTrack(stream.path("index").asInt(), codec, language(stream),
                        stream.path("tags").path("title").asString(""), disposition.path("default").asInt(0) == 1,
                        disposition.path("forced").asInt(0) == 1));
            } else {
                leftOut.add("subtitle track " + stream.path("index").asInt() + " (" + (codec.isEmpty() ? "unknown" : codec)
                        + ", " + language(stream) + ") is a picture format, not text, and is not in the ladder");
            }
        }
        return tracks;
    }

    /** The ISO 639 language tag of a stream, {@code und} when it has none. */
    private static String language(JsonNode stream) {
        String language = stream.path("tags").path("language").asString("").strip();
        return language.isEmpty() ? "und" : language;
    }

    private static int rotation(JsonNode video) {
        for (JsonNode side : video.path("side_data_list")) {
            if (side.has("rotation")) {
                return side.path("rotation").asInt(0);
            }
        }
        return video.path("tags").path("rotate").asInt(0);
    }

    /** A ratio as ffprobe writes it ({@code 30000/1001}, {@code 64/45}); 0 when absent or not positive. */
    static double ratio(String ratio) {
        String[] parts = ratio.split("/");
        try {
            double value = parts.length == 2 ? Double.parseDouble(parts[0]) / Double.parseDouble(parts[1])
                    : Double.parseDouble(ratio);
            return Double.isFinite(value) && value > 0 ? value : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String firstLine(String text) {
        if (text.isEmpty()) {
            return "ffprobe could not read it";
        }
        String line = text.lines().filter(l -> !l.isBlank()).findFirst().orElse(text).strip();
        // ffmpeg prefixes lines with the file name; the staged path means nothing to the uploader.
        int colon = line.startsWith("file:") ? line.indexOf(": ") : -1;
        if (colon > 0) {
            line = line.substring(colon + 2);
        }
        line = line.replaceFirst("^\\[[^]]*\\] ", "");
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
