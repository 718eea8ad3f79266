package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.testing.Processes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Measurements of encoded media with real ffprobe and ffmpeg, for the integration tests. */
final class Media {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern IDET = Pattern.compile("Multi frame detection: TFF:\\s*(\\d+)\\s+BFF:\\s*(\\d+)"
            + "\\s+Progressive:\\s*(\\d+)\\s+Undetermined:\\s*(\\d+)");

    private static final Pattern PSNR = Pattern.compile("PSNR .* average:(inf|[0-9.]+)");

    private static final Pattern PTS_TIME = Pattern.compile("pts_time:(-?[0-9.]+)");
    private static final Pattern LUMA_LOW_HIGH = Pattern.compile("lavfi\\.signalstats\\.Y(LOW|HIGH)=([0-9.]+)");
    private static final Pattern GBR_MEAN = Pattern.compile("mean:\\[(\\d+) (\\d+) (\\d+)\\]");
    private static final Pattern METADATA_VALUE = Pattern.compile("lavfi\\.[A-Za-z_.]+=(-?[0-9.]+|-?inf)");

    private Media() {
    }

    /** What ffmpeg's idet counted over a whole file. */
    record Idet(long topFieldFirst, long bottomFieldFirst, long progressive, long undetermined) {

        long interlaced() {
            return topFieldFirst + bottomFieldFirst;
        }

        long frames() {
            return interlaced() + progressive + undetermined;
        }
    }

    static Idet idet(Path file) throws IOException, InterruptedException {
        String log = run(List.of("ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-i", file.toString(), "-map", "0:v:0",
                "-vf", "idet", "-f", "null", "-"), true);
        Matcher m = IDET.matcher(log);
        assertThat(m.find()).as("idet's counts for %s", file).isTrue();
        return new Idet(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)));
    }

    /** The first video stream as ffprobe describes it. */
    static JsonNode stream(Path file) throws IOException, InterruptedException {
        return JSON.readTree(run(List.of("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json",
                file.toString()), false)).path("streams").path(0);
    }

    static String fieldOrder(Path file) throws IOException, InterruptedException {
        return stream(file).path("field_order").asString("");
    }

    /** Mean PSNR (dB) of two videos' pictures, compared frame by frame from their first ones. */
    static double psnr(Path a, Path b) throws IOException, InterruptedException {
        String log = run(List.of("ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-i", a.toString(), "-i", b.toString(),
                "-lavfi", "[0:v]setpts=PTS-STARTPTS,format=yuv420p[a];[1:v]setpts=PTS-STARTPTS,format=yuv420p[b];[a][b]psnr",
                "-f", "null", "-"), true);
        Matcher m = PSNR.matcher(log);
        assertThat(m.find()).as("PSNR of %s and %s", a, b).isTrue();
        return m.group(1).equals("inf") ? 100 : Double.parseDouble(m.group(1));
    }

    /** When the first stream of a kind ({@code v} or {@code a}) starts, in the file's own clock. */
    static double startTime(Path file, String kind) throws IOException, InterruptedException {
        // A playlist lists its streams under its program too: the first line is enough.
        return Double.parseDouble(run(List.of("ffprobe", "-v", "error", "-select_streams", kind + ":0", "-show_entries",
                "stream=start_time", "-of", "csv=p=0", file.toString()), false).strip().lines().findFirst().orElse(""));
    }

    /** Time (file clock) of the first video frame whose mean brightness is above mid-grey. */
    static double firstFlash(Path file) throws IOException, InterruptedException {
        return firstAbove(file, "v", "signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG", 128);
    }

    /**
     * The luma of the darkest and the brightest tenth of the last frame's pixels (signalstats'
     * {@code YLOW} and {@code YHIGH}), as 8-bit code values.
     */
    static double[] lumaLowAndHigh(Path file) throws IOException, InterruptedException {
        String log = run(List.of("ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-i", file.toString(), "-map", "0:v:0",
                "-vf", "signalstats,metadata=mode=print", "-f", "null", "-"), true);
        double[] lowAndHigh = {Double.NaN, Double.NaN};
        for (String line : log.lines().toList()) {
            Matcher value = LUMA_LOW_HIGH.matcher(line);
            if (value.find()) {
                lowAndHigh[value.group(1).equals("LOW") ? 0 : 1] = Double.parseDouble(value.group(2));
            }
        }
        assertThat(lowAndHigh).as("signalstats of " + file).doesNotContain(Double.NaN);
        return lowAndHigh;
    }

    /** Time (file clock) of the first millisecond of audio louder than -30 dBFS. */
    static double firstBeep(Path file) throws IOException, InterruptedException {
        return firstAbove(file, "a", "asetnsamples=n=48,astats=metadata=1:reset=1,"
                + "ametadata=mode=print:key=lavfi.astats.Overall.Peak_level", -30);
    }

    /**
     * Runs a filter that prints one value per frame ({@code metadata=mode=print}) with the file's
     * own timestamps kept, and returns the time of the first frame whose value is above the threshold.
     */
    private static double firstAbove(Path file, String kind, String filter, double threshold)
            throws IOException, InterruptedException {
        String log = run(List.of("ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-copyts", "-i", file.toString(),
                "-map", "0:" + kind + ":0", kind.equals("v") ? "-vf" : "-af", filter, "-f", "null", "-"), true);
        double time = Double.NaN;
        for (String line : log.lines().toList()) {
            Matcher at = PTS_TIME.matcher(line);
            if (at.find()) {
                time = Double.parseDouble(at.group(1));
            }
            Matcher value = METADATA_VALUE.matcher(line);
            if (value.find() && !value.group(1).contains("inf") && Double.parseDouble(value.group(1)) > threshold) {
                return time;
            }
        }
        throw new AssertionError("no " + (kind.equals("v") ? "flash" : "beep") + " found in " + file);
    }

    /**
     * Red, green and blue (0-255) of the first frame's top-left 8 x 8 pixels, converted the way a
     * player converts them: with the YUV matrix the stream is tagged with (BT.601 when untagged).
     */
    static int[] topLeftRgb(Path file) throws IOException, InterruptedException {
        String log = run(List.of("ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-i", file.toString(), "-map", "0:v:0",
                "-frames:v", "1", "-vf", "crop=8:8:0:0,format=gbrp,showinfo", "-f", "null", "-"), true);
        Matcher mean = GBR_MEAN.matcher(log);
        assertThat(mean.find()).as("showinfo's plane means for %s", file).isTrue();
        return new int[] {Integer.parseInt(mean.group(3)), Integer.parseInt(mean.group(1)), Integer.parseInt(mean.group(2))};
    }

    /** Runs a command that must succeed; returns its standard output, or its error output when asked. */
    static String run(List<String> command, boolean errorOutput) throws IOException, InterruptedException {
        Processes.Result result = Processes.run(command);
        assertThat(result.exitCode()).as(result.command()).isZero();
        return errorOutput ? result.err() : result.out();
    }

    /**
     * How many seconds of video a playlist decodes to, counting the frames ffprobe reads through
     * it; the key of an encrypted one may be a local file.
     */
    static double decodedSeconds(Path playlist) throws IOException, InterruptedException {
        Processes.Result probed = Processes.run(List.of("ffprobe", "-v", "error", "-allowed_extensions", "ALL",
                "-protocol_whitelist", "file,crypto", "-count_frames", "-select_streams", "v:0",
                "-show_entries", "stream=nb_read_frames,r_frame_rate", "-of", "csv=p=0", playlist.toString()));
        String out = probed.out().strip();
        assertThat(probed.exitCode()).as(probed.err() + out).isZero();
        String[] fields = out.lines().findFirst().orElseThrow().split(",");
        String[] rate = fields[0].split("/");
        return Integer.parseInt(fields[1]) / (Double.parseDouble(rate[0]) / Double.parseDouble(rate[1]));
    }
}
