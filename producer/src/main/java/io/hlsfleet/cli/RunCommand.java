package io.hlsfleet.cli;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Job;
import io.hlsfleet.upload.LadderPublisher;
import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.storage.LocalObjectStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hlsfleet run LIST}: the whole pipeline in this process, no broker needed. Exits 0 only
 * if every item was published.
 */
@Command(name = "run", description = "Download, encode and publish every item of LIST in this process (no broker needed).")
final class RunCommand extends CliCommand {

    @Parameters(index = "0", paramLabel = "LIST", description = "File with one URL or local path per line ('-' for stdin).")
    String list;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "cdn-bucket",
            description = "Bucket directory the ladders go to (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--staging", paramLabel = "DIR",
            description = "Working directory for downloads and encodes (default: a temporary directory).")
    Path staging;

    @Option(names = "--allow-network", paramLabel = "CIDR",
            description = "Allow downloads from this private network, e.g. 192.168.1.0/24 (repeatable).")
    List<String> allowedNetworks = new ArrayList<>();

    @Option(names = "--force", description = "Publish again even if a ladder for the video is already in the bucket.")
    boolean force;

    @Override
    int run(PrintWriter out, PrintWriter err) throws Exception {
        List<String> sources = SourceList.read(list);
        if (sources.isEmpty()) {
            err.println("hlsfleet: " + list + " lists no videos");
            return 2;
        }
        Settings settings = Settings.fromEnvironment();
        boolean temporaryStaging = staging == null;
        Path stagingDir = temporaryStaging ? Files.createTempDirectory("hlsfleet-staging-") : staging;

        List<Job> jobs = new ArrayList<>();
        for (String source : sources) {
            jobs.add(Job.submit(SourceList.looksLikeUrl(source) ? source : Path.of(source).toAbsolutePath().toString(),
                    force));
        }
        RunProgress progress = new RunProgress(jobs, sources, out, System.console() != null);
        LadderPublisher bucket = new LadderPublisher(new LocalObjectStore(this.out), 1);
        try (EmbeddedFleet fleet = new EmbeddedFleet(settings, allowedNetworks, stagingDir, this.out, progress)) {
            for (Job job : jobs) {
                if (!force && bucket.isPublished(job.videoId())) {
                    progress.alreadyPublished(job);
                } else {
                    fleet.submit(job);
                }
            }
            progress.awaitAll();
        } finally {
            progress.close();
            if (temporaryStaging) {
                LocalFiles.deleteRecursively(stagingDir);
            }
        }
        return progress.printSummary(out, err, this.out);
    }
}
