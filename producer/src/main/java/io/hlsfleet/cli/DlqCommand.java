package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.status.JobStatusStores;
import io.hlsfleet.storage.StagedInputs;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.storage.Stores;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import io.hlsfleet.worker.JobListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Mixin;

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
    static final class ListDeadLetters extends CliCommand {
        @Mixin
        StageFilter parent;

        @Option(names = "--json", description = "One JSON object per line.")
        boolean json;

        @Option(names = "--limit", defaultValue = "100", description = "At most this many per stage (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        int run(PrintWriter out, PrintWriter err) throws Exception {
            int count = 0;
            try (Transport transport = connect()) {
                for (Stage stage : parent.stages()) {
                    for (DeadLetter letter : transport.deadLetters(stage, limit)) {
                        count++;
                        if (json) {
                            out.println(JobCodec.toJson(letter));
                        } else {
                            out.printf("%-36s  %-8s  attempts=%d  %s%n    source: %s%n    reason: %s (%s)%n",
                                    Printable.of(letter.jobId()), stage.id(), letter.attempts(), letter.deadAt(),
                                    letter.job() == null ? "(unreadable message) " + Printable.of(letter.rawBody())
                                            : Printable.of(letter.job().sourceUrl()),
                                    Printable.of(letter.reason()), Printable.of(letter.exceptionClass()));
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

    @Command(name = "requeue", description = "Send dead jobs back as first attempts to the earliest stage whose"
            + " inputs are still staged: a dead upload is uploaded again if its ladder is staged, encoded again if"
            + " only its source is, else downloaded again.")
    static final class Requeue extends CliCommand {
        @Mixin
        StageFilter parent;

        @Parameters(paramLabel = "JOB_ID", arity = "0..*", description = "Jobs to requeue; all when none is given.")
        List<String> jobIds = new ArrayList<>();

        @Override
        int run(PrintWriter out, PrintWriter err) throws Exception {
            Settings settings = Settings.fromEnvironment();
            FleetConfig config = FleetConfig.from(settings);
            StagingArea staging = Stores.staging(config.staging());
            JobListener status = JobStatusStores.recorder(settings, config);
            int requeued = 0;
            try (Transport transport = Transports.connect(config)) {
                for (Stage stage : parent.stages()) {
                    List<String> moved = new ArrayList<>();
                    for (DeadLetter letter : transport.deadLetters(stage, Integer.MAX_VALUE)) {
                        if (letter.job() == null || !jobIds.isEmpty() && !jobIds.contains(letter.jobId())) {
                            continue;
                        }
                        Job resumed = StagedInputs.resume(letter.job(), staging);
                        // The status first: once the job is sent, its new attempt may report at once.
                        status.requeued(resumed.stage(), resumed, letter.reason());
                        try {
                            // Published (and confirmed) before the dead letter goes: a crash in between
                            // leaves a duplicate, never a lost job.
                            transport.publish(resumed.stage(), resumed);
                        } catch (RuntimeException e) {
                            status.dead(stage, letter.job(), JobFailure.permanent(letter.reason()));
                            throw e;
                        }
                        moved.add(letter.jobId());
                        out.println(letter.jobId() + "  " + stage.id() + " -> " + resumed.stage().id());
                    }
                    if (!moved.isEmpty()) {
                        transport.removeDeadLetters(stage, moved);
                    }
                    requeued += moved.size();
                }
            } finally {
                closeQuietly(staging);
                closeQuietly(status);
            }
            out.println("requeued " + requeued + " job" + (requeued == 1 ? "" : "s"));
            return !jobIds.isEmpty() && requeued < jobIds.size() ? 1 : 0;
        }
    }

    @Command(name = "purge", description = "Delete the dead letters for good, with the files their jobs left in staging.")
    static final class Purge extends CliCommand {
        @Mixin
        StageFilter parent;

        @Override
        int run(PrintWriter out, PrintWriter err) throws Exception {
            FleetConfig config = FleetConfig.from(Settings.fromEnvironment());
            StagingArea staging = Stores.staging(config.staging());
            int purged = 0;
            try (Transport transport = Transports.connect(config)) {
                for (Stage stage : parent.stages()) {
                    // A dead job's staged files are kept for `dlq requeue` until its letter is purged.
                    for (DeadLetter letter : transport.deadLetters(stage, Integer.MAX_VALUE)) {
                        if (letter.job() != null) {
                            staging.discardJob(letter.job());
                        }
                    }
                    purged += transport.purgeDeadLetters(stage);
                }
            } finally {
                closeQuietly(staging);
            }
            out.println("purged " + purged + " dead letter" + (purged == 1 ? "" : "s"));
            return 0;
        }
    }

    /**
     * Closes an S3 staging client or a status store's connections; nothing is pending on them once
     * the command is done with them.
     */
    private static void closeQuietly(Object resource) {
        if (resource instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // Only the client's resources were left to free.
            }
        }
    }
}
