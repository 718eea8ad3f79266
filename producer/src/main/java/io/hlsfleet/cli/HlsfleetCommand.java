package io.hlsfleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code hlsfleet} command line. */
@Command(name = "hlsfleet", mixinStandardHelpOptions = true, version = "hlsfleet 0.1.0",
        description = "Turns lists of video URLs into HLS adaptive-bitrate ladders.",
        subcommands = {RunCommand.class, SubmitCommand.class, StatusCommand.class, WatchCommand.class,
                EventsCommand.class, CancelCommand.class, UnpublishCommand.class, DlqCommand.class,
                WebhooksCommand.class, EncodeFilesCommand.class,
                CommandLine.HelpCommand.class})
public final class HlsfleetCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line as {@link #main} runs it, for tests that read what it prints. */
    static CommandLine commandLine() {
        return new CommandLine(new HlsfleetCommand())
                .setExecutionExceptionHandler((error, commandLine, parseResult) -> {
                    commandLine.getErr().println("hlsfleet: " + (error.getMessage() == null
                            ? error.getClass().getSimpleName() : error.getMessage()));
                    return 2;
                });
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
