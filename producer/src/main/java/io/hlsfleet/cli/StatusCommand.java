package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.JobStatusStore;
import io.hlsfleet.status.JobStatusStores;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hlsfleet status [JOB_ID] [--json]}: the state of recent jobs, or of one. */
@Command(name = "status", description = "Show the state of recent jobs, or of one job.")
final class StatusCommand extends CliCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "JOB_ID", description = "Only this job.")
    String jobId;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many jobs (default ${DEFAULT-VALUE}).")
    int limit;

    /** The fleet's status store, or an explanation of why there is none. */
    static JobStatusStore connect() {
        Settings settings = Settings.fromEnvironment();
        return JobStatusStores.connect(settings, FleetConfig.from(settings)).orElseThrow(() -> new IllegalStateException(
                "no job status store is configured: set HLSFLEET_REDIS_URL (the workers record status there)"));
    }

    @Override
    int run(PrintWriter out, PrintWriter err) throws Exception {
        try (JobStatusStore store = connect()) {
            List<JobStatus> statuses = jobId == null ? store.recent(limit)
                    : store.find(jobId).map(List::of).orElse(List.of());
            if (jobId != null && statuses.isEmpty()) {
                err.println("hlsfleet: no job " + jobId + " (status is kept for 7 days)");
                return 1;
            }
            for (JobStatus status : statuses) {
                out.println(json ? JobCodec.toJson(status) : describe(status));
            }
        }
        out.flush();
        return 0;
    }

    /** The video id, and the title when the job named a web page. */
    static String name(JobStatus s) {
        // A page title is whatever the page says: printed escaped, like every field from the queue.
        return Printable.of(s.title() == null ? s.videoId() : s.videoId() + " \"" + s.title() + "\"");
    }

    static String describe(JobStatus s) {
        String progress = s.percent() >= 0 && !s.state().finished() ? " " + s.percent() + "%" : "";
        String attempt = s.attempt() > 1 ? " (attempt " + s.attempt() + ")" : "";
        String detail = s.detail() == null || s.detail().isEmpty() ? "" : "  " + Printable.of(s.detail());
        String reason = Optional.ofNullable(s.reason()).map(r -> "\n    reason: " + Printable.of(r)).orElse("");
        String pictures = s.pictures() == null ? "" : "\n    pictures: " + String.join(", ", s.pictures());
        String generation = s.generation() == null ? "" : "\n    generation: " + Printable.of(s.generation());
        String parent = s.parentJobId() == null ? "" : "\n    listed by: " + Printable.of(s.parentJobId());
        String children = s.children() == null ? "" : "\n    videos: " + Printable.of(String.join(" ", s.children()));
        return String.format(Locale.ROOT, "%-36s  %-11s%s%s  %s%s%n    %s  updated %s%s%s%s%s%s",
                Printable.of(s.jobId()), s.state().name().toLowerCase(Locale.ROOT), progress, attempt, name(s), detail,
                Printable.of(s.source()), s.updatedAt(), reason, generation, pictures, parent, children)
                .replace("\n\n", "\n");
    }
}
