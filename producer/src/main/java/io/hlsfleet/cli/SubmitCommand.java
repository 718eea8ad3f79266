package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.status.JobStatusStores;
import io.hlsfleet.upload.LadderPublisher;
import io.hlsfleet.storage.Stores;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import io.hlsfleet.worker.JobListener;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Pushes sources onto the intake queue of a running fleet and prints one job id per line. Reads
 * the same broker variables as the workers.
 */
@Command(name = "submit", description = "Queue URLs for a running fleet; prints one job id per line.")
final class SubmitCommand extends CliCommand {

    @Parameters(arity = "1..*", paramLabel = "LIST|URL", description = "URLs, or a file with one URL per line ('-' for stdin).")
    List<String> items;

    @Option(names = "--force", description = "Submit even if a ladder for the video is already published.")
    boolean force;

    @Override
    int run(PrintWriter out, PrintWriter err) throws Exception {
        List<String> sources = new ArrayList<>();
        for (String item : items) {
            sources.addAll(SourceList.looksLikeUrl(item) ? List.of(item) : SourceList.read(item));
        }
        Settings settings = Settings.fromEnvironment();
        FleetConfig config = FleetConfig.from(settings);
        LadderPublisher published = new LadderPublisher(Stores.bucket(config.bucket(), settings), 1);
        int refused = 0;
        JobListener status = JobStatusStores.recorder(settings, config);
        Intake intake = Intake.from(settings, config);
        try (Transport transport = Transports.connect(config)) {
            for (String source : sources) {
                if (!SourceList.looksLikeUrl(source)) {
                    err.println("skipped " + source + ": local paths work only with 'hlsfleet run'; give a URL");
                    refused++;
                    continue;
                }
                Job job = intake.seal(Job.submit(source, force));
                if (!force && published.isPublished(job.videoId())) {
                    err.println("skipped " + source + ": already published as " + job.videoId()
                            + " (use --force to publish it again)");
                    continue;
                }
                transport.publish(Stage.DOWNLOAD, job);
                status.queued(job);
                out.println(job.jobId());
                out.flush();
            }
        } finally {
            if (status instanceof AutoCloseable store) {
                store.close();
            }
        }
        return refused == 0 ? 0 : 1;
    }
}
