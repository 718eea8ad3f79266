package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs ffprobe on a staged source before anything is encoded. Only the local file protocol is
 * allowed, so a source that is really a playlist or a concat script cannot make ffprobe open other
 * files or the network.
 */
public final class Prober {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String ffprobe;

    public Prober(String ffprobe) {
        this.ffprobe = ffprobe;
    }

    public MediaInfo probe(Path source) throws JobFailure, IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(ffprobe, "-v", "error",
                "-protocol_whitelist", "file", "-print_format", "json", "-show_format", "-show_streams",
                "file:" + source.toAbsolutePath()));
        builder.redirectErrorStream(false);
        Process process = ChildProcesses.start(builder);
        try {
            byte[] out = process.getInputStream().readAllBytes();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw JobFailure.retryable("ffprobe did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw JobFailure.permanent("not a readable video: " + firstLine(err));
            }
            return parse(JSON.readTree(out));
        } finally {
            ChildProcesses.kill(process);
        }
    }

    /**
     * Demuxers whose input is a list of other files or URLs to read. The protocol whitelist still
     * lets them open local files, so a playlist served as a video would make the encoder publish
     * whatever file of the worker it names: a source must be the media itself.
     */
    private static final Set<String> REFERENCING_FORMATS = Set.of("hls", "applehttp", "concat", "dash",
            "webm_dash_manifest");

    static MediaInfo parse(JsonNode root) throws JobFailure {
        String formatName = root.path("format").path("format_name").asString("");
        for (String format : formatName.split(",")) {
            if (REFERENCING_FORMATS.contains(format.strip())) {
                throw JobFailure.permanent("the file is a " + format.strip()
                        + " playlist or script that refers to other files, not a video");
            }
        }
        JsonNode video = null;
        boolean audio = false;
        for (JsonNode stream : root.path("streams")) {
            String type = stream.path("codec_type").asString("");
            if (type.equals("video") && video == null && stream.path("disposition").path("attached_pic").asInt(0) == 0) {
                video = stream;
            } else if (type.equals("audio")) {
                audio = true;
            }
        }
        if (video == null) {
            throw JobFailure.permanent("the file has no video stream");
        }
        int width = video.path("width").asInt(0);
        int height = video.path("height").asInt(0);
        if (width <= 0 || height <= 0) {
            throw JobFailure.permanent("the video stream has no picture size");
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
        String format = root.path("format").path("format_name").asString("");
        return new MediaInfo(format, width, height, duration, frameRate(video.path("avg_frame_rate").asString("")), audio);
    }

    private static int rotation(JsonNode video) {
        for (JsonNode side : video.path("side_data_list")) {
            if (side.has("rotation")) {
                return side.path("rotation").asInt(0);
            }
        }
        return video.path("tags").path("rotate").asInt(0);
    }

    static double frameRate(String ratio) {
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
        String line = text.lines().findFirst().orElse(text);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
