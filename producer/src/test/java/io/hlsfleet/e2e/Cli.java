package io.hlsfleet.e2e;

import io.hlsfleet.testing.Processes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs the {@code hlsfleet} CLI jar as a user would, with the given environment, within a limit. */
final class Cli {

    private Cli() {
    }

    /** {@code hlsfleet ARGS} within {@link Processes#DEFAULT_LIMIT}, whatever its exit code. */
    static Processes.Result run(Map<String, String> env, List<String> args) throws IOException, InterruptedException {
        return run(env, args, null, Processes.DEFAULT_LIMIT);
    }

    /**
     * {@code hlsfleet ARGS} with {@code stdin} (null for none) as its standard input; fails with
     * the command and {@code limit} when it runs longer.
     */
    static Processes.Result run(Map<String, String> env, List<String> args, String stdin, Duration limit)
            throws IOException, InterruptedException {
        return Processes.run(builder(env, args), stdin, limit);
    }

    /** Starts {@code hlsfleet ARGS} in the background, its standard output and error going to the given files. */
    static Process start(Map<String, String> env, List<String> args, Path out, Path err) throws IOException {
        return builder(env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    }

    private static ProcessBuilder builder(Map<String, String> env, List<String> args) {
        List<String> command = new ArrayList<>(List.of(Project.java()));
        command.addAll(Project.SHORT_LIVED_JVM);
        command.addAll(AotCache.jarArguments("producer"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        return builder;
    }
}
