package io.hlsfleet.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Generates small test videos with ffmpeg's lavfi sources, so every test makes the exact kind of
 * input it is about (portrait, rotated, 10-bit, HEVC, several audio tracks, ...) instead of relying
 * on sample files. Defaults: 2 s of 320x180 at 25 fps, H.264 yuv420p, one stereo AAC track, MP4.
 *
 * <pre>{@code
 * Path clip = SyntheticClip.video(1080, 1920).seconds(3).codec("libx265").writeTo(dir.resolve("p.mp4"));
 * }</pre>
 */
public final class SyntheticClip {

    private int width;
    private int height;
    private double seconds = 2;
    private String fps = "25";
    private String codec = "libx264";
    private String pixelFormat = "yuv420p";
    private int audioTracks = 1;
    private int defaultAudio = -1;
    private int rotation;
    private boolean variableFrameRate;
    private boolean faststart;
    private String videoFilter = "";
    private String pattern = "testsrc2";
    private final List<String> extraOutputArgs = new ArrayList<>();

    private SyntheticClip(int width, int height) {
        this.width = width;
        this.height = height;
    }

    /**
     * The clip the end-to-end tests serve: {@code seconds} of {@code width}x{@code height} at 30
     * fps with one tone, written as {@code dir/name}.
     */
    public static Path generate(Path dir, String name, int width, int height, int seconds)
            throws IOException, InterruptedException {
        return video(width, height).seconds(seconds).fps("30").writeTo(dir.resolve(name));
    }

    /** A clip of this coded size (before any rotation flag). */
    public static SyntheticClip video(int width, int height) {
        return new SyntheticClip(width, height);
    }

    public SyntheticClip seconds(double value) {
        this.seconds = value;
        return this;
    }

    /** Frame rate as ffmpeg takes it: {@code 25}, {@code 60}, {@code 30000/1001}. */
    public SyntheticClip fps(String value) {
        this.fps = value;
        return this;
    }

    /** ffmpeg encoder name: libx264, libx265, libvpx-vp9, libsvtav1, libaom-av1, mpeg4, ... */
    public SyntheticClip codec(String value) {
        this.codec = value;
        return this;
    }

    public SyntheticClip pixelFormat(String value) {
        this.pixelFormat = value;
        return this;
    }

    /** Number of audio tracks, 0 for none; each has its own tone. */
    public SyntheticClip audioTracks(int value) {
        this.audioTracks = value;
        return this;
    }

    /** Marks this audio track (0-based) as the default one and clears the flag on the others. */
    public SyntheticClip defaultAudio(int track) {
        this.defaultAudio = track;
        return this;
    }

    /** Display rotation in degrees (90, 180, 270; MP4/MOV only), as phones write for portrait recordings. */
    public SyntheticClip rotation(int degrees) {
        this.rotation = degrees;
        return this;
    }

    /** Drops frames unevenly so timestamps are irregular, as phone recordings have. */
    public SyntheticClip variableFrameRate() {
        this.variableFrameRate = true;
        return this;
    }

    /** Puts the MP4 index at the front, as web uploads usually have it. */
    public SyntheticClip faststart() {
        this.faststart = true;
        return this;
    }

    /**
     * The lavfi source drawn, {@code testsrc2} by default. {@code mandelbrot} moves everywhere
     * without fine horizontal lines, so {@code idet} reads it as progressive unless it is
     * interlaced (testsrc2's one-pixel lines look combed to idet even when progressive).
     */
    public SyntheticClip pattern(String lavfiSource) {
        this.pattern = lavfiSource;
        return this;
    }

    /**
     * A filter chain applied after the test pattern is drawn, e.g. {@code interlace=scan=tff} (weaves
     * pairs of frames into fields) or {@code setsar=64/45} (non-square pixels).
     */
    public SyntheticClip videoFilter(String chain) {
        this.videoFilter = chain;
        return this;
    }

    /** Further output options, passed to ffmpeg as they are. */
    public SyntheticClip outputArgs(String... args) {
        extraOutputArgs.addAll(List.of(args));
        return this;
    }

    /** Encodes the clip into {@code file}; the container follows the file name's extension. */
    public Path writeTo(Path file) throws IOException, InterruptedException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-y", "-loglevel", "error",
                "-f", "lavfi", "-t", Double.toString(seconds), "-i", pattern + "=s=" + width + "x" + height + ":r=" + fps));
        for (int i = 0; i < audioTracks; i++) {
            cmd.addAll(List.of("-f", "lavfi", "-i", "sine=frequency=" + (300 + 200 * i) + ":sample_rate=48000:d=" + seconds));
        }
        String filter = "noise=alls=8:allf=t" + (videoFilter.isEmpty() ? "" : "," + videoFilter);
        if (variableFrameRate) {
            // Keep frames in an irregular pattern: 1, 2 or 3 frame gaps.
            filter += ",select='not(eq(mod(n\\,5)\\,1))*not(eq(mod(n\\,7)\\,3))',setpts=PTS";
        }
        cmd.addAll(List.of("-vf", filter, "-map", "0:v"));
        for (int i = 0; i < audioTracks; i++) {
            cmd.addAll(List.of("-map", (i + 1) + ":a"));
        }
        cmd.addAll(List.of("-c:v", codec, "-pix_fmt", pixelFormat));
        cmd.addAll(codecSpeedArgs());
        if (variableFrameRate) {
            cmd.addAll(List.of("-fps_mode", "vfr"));
        }
        if (audioTracks > 0) {
            cmd.addAll(List.of("-c:a", audioCodec(file)));
            for (int i = 0; i < audioTracks && defaultAudio >= 0; i++) {
                cmd.addAll(List.of("-disposition:a:" + i, i == defaultAudio ? "default" : "0"));
            }
        }
        if (faststart) {
            cmd.addAll(List.of("-movflags", "+faststart"));
        }
        cmd.addAll(extraOutputArgs);
        cmd.add(file.toString());
        run(cmd);
        if (rotation != 0) {
            setRotation(file, rotation);
        }
        return file;
    }

    /**
     * Writes a rotation into the first track header's display matrix, where phones put it (the
     * {@code rotate} metadata tag is ignored by the MP4 muxer of ffmpeg 5).
     */
    private static void setRotation(Path file, int degrees) throws IOException {
        byte[] data = Files.readAllBytes(file);
        int tkhd = indexOf(data, "tkhd".getBytes(StandardCharsets.US_ASCII));
        if (tkhd < 0) {
            throw new IOException("rotation needs an MP4 or MOV file: " + file);
        }
        int matrix = tkhd + 4 + (data[tkhd + 4] == 1 ? 52 : 40);
        int one = 0x10000;
        int[] values = switch (((degrees % 360) + 360) % 360) {
            case 90 -> new int[] {0, one, 0, -one, 0, 0, 0, 0, 0x40000000};
            case 180 -> new int[] {-one, 0, 0, 0, -one, 0, 0, 0, 0x40000000};
            case 270 -> new int[] {0, -one, 0, one, 0, 0, 0, 0, 0x40000000};
            default -> throw new IllegalArgumentException("rotation must be 90, 180 or 270");
        };
        ByteBuffer.wrap(data, matrix, 36).asIntBuffer().put(values);
        Files.write(file, data);
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The fastest settings of each encoder: test clips need to exist, not to look good. */
    private List<String> codecSpeedArgs() {
        return switch (codec) {
            case "libx264" -> List.of("-preset", "ultrafast");
            case "libx265" -> List.of("-preset", "ultrafast", "-x265-params", "log-level=error");
            case "libvpx-vp9" -> List.of("-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k");
            case "libaom-av1" -> List.of("-cpu-used", "8", "-usage", "realtime", "-b:v", "300k");
            case "libsvtav1" -> List.of("-preset", "12");
            default -> List.of();
        };
    }

    private static String audioCodec(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".webm") ? "libopus" : name.endsWith(".avi") ? "libmp3lame" : "aac";
    }

    /** Runs a command and fails with its output when it fails (see {@link Processes#check}). */
    public static void run(List<String> command) throws IOException, InterruptedException {
        Processes.check(command);
    }
}
