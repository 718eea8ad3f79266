package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code hlsfleet dlq}: what each stage gave up on, and why; requeue or purge it. */
@Command(name = "dlq", description = "List, requeue or purge the dead letters of the fleet.",
        subcommands = {DlqCommand.ListDeadLetters.class, DlqCommand.Requeue.class, DlqCommand.Purge.class})
final class DlqCommand {

    /** The {@code --stage} option every dlq subcommand takes. */
    static final class StageFilter {
        @Option(names = "--stage", paramLabel = "STAGE", description = "Only this stage: download, encode or upload.")
        String stage;

        List<Stage> stages() {
            return stage == null ? List.of(Stage.values()) : List.of(Stage.fromId(stage));
        }
    }

    static Transport connect() {
        return Transports.connect(FleetConfig.from(Settings.fromEnvironment()));
    }

    @Command(name = "list", description = "Show dead letters with their stage, attempts and reason.")
    static final class ListDeadLetters implements Callable<Integer> {
        @Mixin
        StageFilter parent;

        @Option(names = "--json", description = "One JSON object per line.")
        boolean json;

        @Option(names = "--limit", defaultValue = "100", description = "At most this many per stage (default ${DEFAULT-VALUE}).")
        int limit;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            int count = 0;
            try (Transport transport = connect()) {
                for (Stage stage : parent.stages()) {
                    for (DeadLetter letter : transport.deadLetters(stage, limit)) {
                        count++;
                        if (json) {
                            out.println(JobCodec.toJson(letter));
                        } else {
                            out.printf("%-36s  %-8s  attempts=%d  %s%n    source: %s%n    reason: %s (%s)%n",
                                    letter.jobId(), stage.id(), letter.attempts(), letter.deadAt(),
                                    letter.job() == null ? "(unreadable message) " + letter.rawBody() : letter.job().sourceUrl(),
                                    letter.reason(), letter.exceptionClass());
                        }
                    }
                }
            }
            if (!json) {
                out.println(count + " dead letter" + (count == 1 ? "" : "s"));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "requeue", description = "Put dead letters back on their stage's queue as first attempts.")
    static final class Requeue implements Callable<Integer> {
        @Mixin
        StageFilter parent;

        @Parameters(paramLabel = "JOB_ID", arity = "0..*", description = "Jobs to requeue; all when none is given.")
        List<String> jobIds = new ArrayList<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            int requeued = 0;
            try (Transport transport = connect()) {
                for (Stage stage : parent.stages()) {
                    requeued += transport.requeueDeadLetters(stage, jobIds);
                }
            }
            spec.commandLine().getOut().println("requeued " + requeued + " job" + (requeued == 1 ? "" : "s"));
            return !jobIds.isEmpty() && requeued < jobIds.size() ? 1 : 0;
        }
    }

    @Command(name = "purge", description = "Delete the dead letters for good.")
    static final class Purge implements Callable<Integer> {
        @Mixin
        StageFilter parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            int purged = 0;
            try (Transport transport = connect()) {
                for (Stage stage : parent.stages()) {
                    purged += transport.purgeDeadLetters(stage);
                }
            }
            spec.commandLine().getOut().println("purged " + purged + " dead letter" + (purged == 1 ? "" : "s"));
            return 0;
        }
    }
}
