package io.hlsfleet.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand that writes to the command line's own out and err writers (which tests capture),
 * never to {@code System.out} directly.
 */
abstract class CliCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        return run(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Runs the command; returns its exit code. */
    abstract int run(PrintWriter out, PrintWriter err) throws Exception;
}
