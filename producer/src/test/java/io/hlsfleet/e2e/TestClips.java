package io.hlsfleet.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Generates short test clips with ffmpeg's synthetic sources: moving pattern plus a tone. */
final class TestClips {

    private TestClips() {
    }

    static Path generate(Path dir, String name, int width, int height, int seconds) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path clip = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=" + width + "x" + height + ":rate=30:duration=" + seconds,
                "-f", "lavfi", "-i", "sine=frequency=440:duration=" + seconds,
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                clip.toString()));
        run(cmd);
        return clip;
    }

    static void run(List<String> cmd) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + output);
        }
    }

    /** Runs ffprobe and returns its standard output. */
    static String probe(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ffprobe", "-v", "error"));
        cmd.addAll(List.of(args));
        Process process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes()).strip();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("ffprobe " + String.join(" ", args) + " failed");
        }
        return output;
    }
}
