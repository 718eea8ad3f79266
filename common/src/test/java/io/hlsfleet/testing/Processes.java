package io.hlsfleet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command the tests need (ffmpeg, ffprobe, redis-cli, the CLI jar, ...) and hands back
 * what it printed. Every run is bounded: a command still running at its limit is killed and the
 * test fails naming the command and the limit, instead of hanging. Output goes to temporary files,
 * not pipes, so a chatty command never blocks on a full pipe and a hung one never blocks a read.
 */
public final class Processes {

    /** How long a command may run unless the caller says otherwise: room for a loaded machine. */
    public static final Duration DEFAULT_LIMIT = Duration.ofMinutes(2);

    /** What a finished command printed, with its exit code. */
    public record Result(String command, int exitCode, String out, String err) {

        public boolean succeeded() {
            return exitCode == 0;
        }

        /** This result when the command exited 0; else an {@link IOException} with its output. */
        public Result orThrow() throws IOException {
            if (!succeeded()) {
                throw new IOException(command + " failed with exit code " + exitCode + "\n" + err
                        + (out.isBlank() ? "" : "\n" + out));
            }
            return this;
        }
    }

    private Processes() {
    }

    /** Runs {@code command} within {@link #DEFAULT_LIMIT}; fails unless it exits 0; returns its standard output. */
    public static String check(List<String> command) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command), null, DEFAULT_LIMIT).orThrow().out();
    }

    /** {@link #check(List)} for a command given word by word. */
    public static String check(String... command) throws IOException, InterruptedException {
        return check(List.of(command));
    }

    /** Runs {@code command} within {@link #DEFAULT_LIMIT}, whatever its exit code. */
    public static Result run(List<String> command) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command), null, DEFAULT_LIMIT);
    }

    /**
     * Starts {@code builder} (its environment and directory as set; its output redirections are
     * replaced), writes {@code stdin} if not null, and waits at most {@code limit}.
     *
     * @throws IOException when the command does not finish within {@code limit} (it is killed)
     */
    public static Result run(ProcessBuilder builder, String stdin, Duration limit)
            throws IOException, InterruptedException {
        String command = String.join(" ", builder.command());
        Path out = Files.createTempFile("hlsfleet-test-process", ".out");
        Path err = Files.createTempFile("hlsfleet-test-process", ".err");
        try {
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (var input = process.getOutputStream()) {
                if (stdin != null) {
                    input.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(command + " did not finish within " + limit + "; it printed:\n"
                        + text(out) + text(err));
            }
            return new Result(command, process.exitValue(), text(out), text(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** A command's output as text; bytes that are no UTF-8 become replacement characters instead of failing. */
    private static String text(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }
}
