package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.events.EventRecorder;
import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobOptions;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.JobStatusStore;
import io.hlsfleet.status.JobStatusStores;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.Stores;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import io.hlsfleet.upload.LadderPublisher;
import io.hlsfleet.worker.JobListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Pushes sources onto the intake queue of a running fleet and prints one job id per line. Reads
 * the same broker variables as the workers.
 *
 * <p>Whether a URL names a feed, playlist or channel is known only once the download worker has
 * read it: its job then ends {@code expanded}, and each video it listed is a job of its own. With
 * {@code --wait} the command follows its jobs in the status store until each has ended, prints
 * the job ids of the videos each list gave as it learns them, and exits 0 only if every video was
 * published.
 *
 * <p>Jobs are queued in batches ({@code --batch}, 1000 by default), each confirmed by the broker
 * as a whole: a job id is printed only once its batch is confirmed, so what standard output holds
 * is queued, whatever happens to the command after. If the broker fails, or the command is
 * stopped, it says on standard error how many were queued and where the list stops being queued.
 */
@Command(name = "submit", description = "Queue URLs for a running fleet; prints one job id per line once it is queued.")
final class SubmitCommand extends CliCommand {

    @Parameters(arity = "1..*", paramLabel = "LIST|URL", description = "URLs, or a file with one URL per line ('-' for stdin).")
    List<String> items;

    @Option(names = "--force", description = "Submit even if a ladder for the video is already published.")
    boolean force;

    @Option(names = "--priority", defaultValue = "normal", paramLabel = "high|normal|low",
            converter = PriorityConverter.class,
            description = "Priority of the jobs at every stage (default ${DEFAULT-VALUE}): workers take high ones first,"
                    + " low ones (a bulk import) only when nothing else waits.")
    Priority priority;

    @Option(names = "--option", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "A per-job option for every job queued: profile, rungs, encryption (on/off), container"
                    + " (ts/fmp4), callbackUrl, metadata.NAME; the workers refuse those their operator does not"
                    + " allow (HLSFLEET_INTAKE_ALLOWED_OPTIONS). Repeatable.")
    java.util.Map<String, String> options = new java.util.LinkedHashMap<>();

    @Option(names = "--batch", defaultValue = "1000", paramLabel = "N",
            description = "Jobs queued and confirmed together (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--wait", description = "Wait until every job has ended; print the job ids of the videos a feed or"
            + " playlist lists once it is read. Exits 0 only if every video was published. Needs HLSFLEET_REDIS_URL.")
    boolean waitUntilEnded;

    /** How often {@code --wait} reads the status of the jobs it follows. */
    static final Duration WAIT_POLL = Duration.ofMillis(500);

    @Override
    int run(PrintWriter out, PrintWriter err) throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch must be at least 1");
        }
        JobOptions jobOptions = JobOptions.parse(options);
        if (jobOptions.unknown() != null) {
            throw new IllegalArgumentException("unknown --option " + String.join(", ", jobOptions.unknown())
                    + "; the options are " + String.join(", ", JobOptions.KEYS) + " (metadata as metadata.NAME)");
        }
        List<String> sources = new ArrayList<>();
        for (String item : items) {
            sources.addAll(SourceList.looksLikeUrl(item) ? List.of(item) : SourceList.read(item));
        }
        Settings settings = Settings.fromEnvironment();
        FleetConfig config = FleetConfig.from(settings);
        // Checked before anything is queued: a wait that cannot read statuses would never end.
        JobStatusStore statuses = waitUntilEnded ? StatusCommand.connect() : null;
        List<String> queuedIds = new ArrayList<>();
        ObjectStore bucket = Stores.bucket(config.bucket(), settings);
        LadderPublisher published = new LadderPublisher(bucket, 1);
        Intake intake = Intake.from(settings, config);
        int refused = 0;
        AtomicInteger queued = new AtomicInteger();
        // The first source of the batch the broker has not confirmed yet, while one is being sent.
        String[] pending = new String[1];
        Thread report = new Thread(() -> {
            err.println("stopped after " + queued.get() + " of " + sources.size() + " jobs were queued; every job id"
                    + " printed is queued" + (pending[0] == null ? ""
                            : ", and the batch being sent from " + Printable.of(pending[0]) + " on may be too"));
            err.flush();
        });
        Runtime.getRuntime().addShutdownHook(report);
        JobListener status = JobListener.NONE;
        try (Transport transport = Transports.connect(config)) {
            status = JobListener.all(List.of(JobStatusStores.recorder(settings, config),
                    EventRecorder.from(settings, transport, bucket.describe())));
            List<Job> batch = new ArrayList<>(batchSize);
            List<String> batchSources = new ArrayList<>(batchSize);
            for (String source : sources) {
                if (!SourceList.looksLikeUrl(source)) {
                    err.println("skipped " + Printable.of(source) + ": local paths work only with 'hlsfleet run'; give a URL");
                    refused++;
                    continue;
                }
                Job job = intake.seal(Job.submit(source, force).withPriority(priority).withOptions(jobOptions));
                if (!force && published.isPublished(job.videoId())) {
                    err.println("skipped " + Printable.of(source) + ": already published as " + job.videoId()
                            + " (use --force to publish it again)");
                    continue;
                }
                batch.add(job);
                batchSources.add(source);
                if (batch.size() == batchSize) {
                    queue(transport, status, batch, batchSources, pending, queued, queuedIds, out);
                }
            }
            queue(transport, status, batch, batchSources, pending, queued, queuedIds, out);
        } catch (RuntimeException e) {
            if (statuses != null) {
                statuses.close();
            }
            err.println("hlsfleet: " + e.getMessage());
            Runtime.getRuntime().removeShutdownHook(report);
            report.run();
            return 3;
        } finally {
            if (status instanceof AutoCloseable store) {
                store.close();
            }
        }
        Runtime.getRuntime().removeShutdownHook(report);
        if (statuses != null) {
            try (JobStatusStore store = statuses) {
                return awaitEnds(store, queuedIds, out, err) && refused == 0 ? 0 : 1;
            }
        }
        return refused == 0 ? 0 : 1;
    }

    /** {@code high}, {@code normal} or {@code low}, in any case. */
    static final class PriorityConverter implements picocli.CommandLine.ITypeConverter<Priority> {
        @Override
        public Priority convert(String value) {
            return Priority.fromId(value);
        }
    }

    /**
     * Follows {@code jobIds} until each has ended, printing on standard error how each ended and on
     * standard output the job ids of the videos each expanded job listed, which it then follows too.
     *
     * @return true if every video was published
     */
    static boolean awaitEnds(JobStatusStore store, List<String> jobIds, PrintWriter out, PrintWriter err)
            throws InterruptedException {
        Set<String> following = new LinkedHashSet<>(jobIds);
        int published = 0;
        int failed = 0;
        while (!following.isEmpty()) {
            List<String> listed = new ArrayList<>();
            for (Iterator<String> each = following.iterator(); each.hasNext(); ) {
                JobStatus s = store.find(each.next()).orElse(null);
                if (s == null || !s.state().finished()) {
                    continue;
                }
                each.remove();
                String id = Printable.of(s.jobId());
                switch (s.state()) {
                    case PUBLISHED -> {
                        published++;
                        err.println(id + "  published  " + StatusCommand.name(s));
                    }
                    case EXPANDED -> {
                        List<String> children = s.children() == null ? List.of() : s.children();
                        err.println(id + "  expanded  " + Printable.of(s.source()) + " lists " + children.size()
                                + " videos");
                        children.forEach(child -> out.println(Printable.of(child)));
                        listed.addAll(children);
                    }
                    default -> {
                        failed++;
                        err.println(id + "  " + s.state().name().toLowerCase(Locale.ROOT) + "  "
                                + Printable.of(s.source()) + ": " + Printable.of(String.valueOf(s.reason())));
                    }
                }
            }
            following.addAll(listed);
            out.flush();
            err.flush();
            if (!following.isEmpty()) {
                Thread.sleep(WAIT_POLL);
            }
        }
        err.println(published + " published, " + failed + " dead or cancelled");
        err.flush();
        return failed == 0;
    }

    /** Queues one batch, waits for the broker to confirm all of it, then prints its job ids. */
    private static void queue(Transport transport, JobListener status, List<Job> batch, List<String> sources,
            String[] pending, AtomicInteger queued, List<String> queuedIds, PrintWriter out) {
        if (batch.isEmpty()) {
            return;
        }
        pending[0] = sources.getFirst();
        transport.publishAll(Stage.DOWNLOAD, batch);
        status.queuedAll(batch);
        for (Job job : batch) {
            out.println(job.jobId());
            queuedIds.add(job.jobId());
        }
        out.flush();
        queued.addAndGet(batch.size());
        pending[0] = null;
        batch.clear();
        sources.clear();
    }
}
