package io.hlsfleet.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Finds ffmpeg and ffprobe processes by scanning {@code /proc}, whoever their parent is. */
final class FfmpegProcesses {

    private FfmpegProcesses() {
    }

    /** Command lines of running ffmpeg or ffprobe processes that mention {@code fragment}. */
    static List<String> mentioning(String fragment) throws IOException {
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                String commandLine;
                try {
                    commandLine = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ').strip();
                } catch (IOException exited) {
                    continue;
                }
                String program = commandLine.split(" ", 2)[0];
                if ((program.endsWith("ffmpeg") || program.endsWith("ffprobe")) && commandLine.contains(fragment)
                        && !isZombie(process)) {
                    found.add(process.getFileName() + ": " + commandLine);
                }
            }
        }
        return found;
    }

    private static boolean isZombie(Path process) {
        try {
            String stat = Files.readString(process.resolve("stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException exited) {
            return true;
        }
    }

    /** Waits until an ffmpeg mentioning {@code fragment} runs; returns its command line. */
    static String awaitRunning(String fragment, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String process : mentioning(fragment)) {
                if (process.matches("\\d+: \\S*ffmpeg .*")) {
                    return process;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no ffmpeg mentioning " + fragment + " started within " + timeout);
    }

    /** Waits up to {@code timeout} for every ffmpeg mentioning {@code fragment} to be gone; returns those left. */
    static List<String> awaitGone(String fragment, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> left = mentioning(fragment);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            left = mentioning(fragment);
        }
        return left;
    }

    /**
     * Waits up to {@code timeout} for the processes listed by {@link #mentioning} to exit; returns
     * those still running. Unlike {@link #awaitGone} it ignores processes started since, such as
     * another worker's run of the same job.
     */
    static List<String> awaitExited(List<String> processes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> left = running(processes);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            left = running(processes);
        }
        return left;
    }

    private static List<String> running(List<String> processes) {
        return processes.stream()
                .filter(process -> !isZombie(Path.of("/proc", process.substring(0, process.indexOf(':')))))
                .toList();
    }
}
