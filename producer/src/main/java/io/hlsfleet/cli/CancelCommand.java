package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.status.CancelRequests;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.JobStatusStore;
import io.hlsfleet.status.JobStatusStores;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code hlsfleet cancel JOB_ID…}: stops jobs wherever they are. A job still waiting is skipped
 * when a worker takes it; a running download, encode or upload is stopped within seconds on the
 * worker that runs it (an upload removes what it wrote of its new generation). Either way its staged
 * files are removed and it ends {@code cancelled}. A job that already ended (published, dead,
 * cancelled), or whose upload is writing the master playlist, is refused with the reason.
 */
@Command(name = "cancel", description = "Cancel jobs: waiting ones are skipped, running downloads, encodes and"
        + " uploads stop within seconds; published, dead or cancelled jobs are refused.")
final class CancelCommand extends CliCommand {

    static final String REASON = "cancelled with hlsfleet cancel";

    @Parameters(arity = "1..*", paramLabel = "JOB_ID", description = "The jobs to cancel.")
    List<String> jobIds;

    @Override
    int run(PrintWriter out, PrintWriter err) throws Exception {
        Settings settings = Settings.fromEnvironment();
        FleetConfig config = FleetConfig.from(settings);
        int refused = 0;
        try (JobStatusStore store = StatusCommand.connect();
             CancelRequests requests = CancelRequests.connect(settings, config).orElseThrow()) {
            for (String jobId : jobIds) {
                Optional<JobStatus> status = store.find(jobId);
                // Asked only when the status allows a cancel; an upload about to write its master refuses it.
                Optional<String> refusal = refusal(jobId, status).or(() -> requests.request(jobId, REASON));
                if (refusal.isPresent()) {
                    err.println("not cancelled " + Printable.of(jobId) + ": " + refusal.get());
                    refused++;
                    continue;
                }
                out.println(jobId + "  cancel requested (was "
                        + status.orElseThrow().state().name().toLowerCase(Locale.ROOT) + ")");
            }
        }
        out.flush();
        err.flush();
        return refused == 0 ? 0 : 1;
    }

    /** Why a job cannot be cancelled, if it cannot. */
    static Optional<String> refusal(String jobId, Optional<JobStatus> status) {
        return CancelRequests.refusal(status).map(Printable::of);
    }
}
