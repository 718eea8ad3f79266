package io.hlsfleet.cli;

import io.hlsfleet.config.EventsProperties;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.PublishedVideo;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.JobStatusStore;
import io.hlsfleet.status.JobStatusStores;
import io.hlsfleet.storage.KeyStore;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.Stores;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import io.hlsfleet.upload.Unpublisher;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hlsfleet unpublish ID…}: removes published videos from the bucket, master playlist first
 * ({@link Unpublisher}); each id is a video id, or the id of a job that published one. The video's
 * published jobs are marked {@code unpublished} in the status store, and an {@code unpublished}
 * event goes out on the broker. A video that is not published is refused with the reason.
 */
@Command(name = "unpublish", description = "Remove published videos from the bucket: the master playlist first,"
        + " then every generation and key. Takes video ids, or ids of the jobs that published them.")
final class UnpublishCommand extends CliCommand {

    static final String REASON = "unpublished with hlsfleet unpublish";
    /** The stage of {@code unpublished} events: it happens to the bucket, not to a stage's job. */
    static final String STAGE = "bucket";

    @Parameters(arity = "1..*", paramLabel = "ID", description = "Video ids, or job ids the status store knows.")
    List<String> ids;

    @Option(names = "--dry-run", description = "List what would be removed, in order, and remove nothing.")
    boolean dryRun;

    @Option(names = "--force", description = "Also clean up a video folder that has no master playlist (an unpublish"
            + " that stopped midway, or a first publication that failed).")
    boolean force;

    @Override
    int run(PrintWriter out, PrintWriter err) throws Exception {
        Settings settings = Settings.fromEnvironment();
        FleetConfig config = FleetConfig.from(settings);
        ObjectStore bucket = Stores.bucket(config.bucket(), settings);
        EventsProperties events = settings.bind(EventsProperties.class);
        String masterUrlBase = events.masterUrlBase(bucket.describe());
        Transport[] transport = new Transport[1];
        Supplier<EventBus> bus = () -> {
            if (!events.enabled()) {
                return EventBus.NONE;
            }
            if (transport[0] == null) {
                transport[0] = Transports.connect(config);
            }
            return transport[0].events();
        };
        Optional<JobStatusStore> statuses = JobStatusStores.connect(settings, config);
        try {
            return new Run(new Unpublisher(bucket, KeyStore.from(settings)), bucket.describe(), statuses.orElse(null),
                    bus, masterUrlBase, dryRun, force, out, err).all(ids);
        } finally {
            statuses.ifPresent(JobStatusStore::close);
            if (transport[0] != null) {
                transport[0].close();
            }
        }
    }

    /**
     * One run of the command on stores given to it, so that tests can run it on real stores.
     *
     * @param statuses the status store, or null when the fleet keeps none (then only video ids are taken)
     */
    record Run(Unpublisher unpublisher, String bucketName, JobStatusStore statuses, Supplier<EventBus> bus,
            String masterUrlBase, boolean dryRun, boolean force, PrintWriter out, PrintWriter err) {

        /** Unpublishes each of {@code ids}; returns 0 only if every one was (or, dry, would be) removed. */
        int all(List<String> ids) {
            int failed = 0;
            for (String id : ids) {
                try {
                    if (!one(id)) {
                        failed++;
                    }
                } catch (IOException | RuntimeException e) {
                    err.println("not unpublished " + Printable.of(id) + ": " + Printable.of(
                            e.getMessage() == null ? e.toString() : e.getMessage()));
                    failed++;
                }
                out.flush();
                err.flush();
            }
            return failed == 0 ? 0 : 1;
        }

        private boolean one(String id) throws IOException {
            Optional<JobStatus> job = statuses == null ? Optional.empty() : statuses.find(id);
            String videoId = job.map(JobStatus::videoId).orElse(id);
            if (!VideoId.isSafe(videoId)) {
                return refuse(id, "neither a video id nor a job id the status store knows");
            }
            Unpublisher.Plan plan = unpublisher.plan(videoId);
            if (!plan.published()) {
                String named = job.isPresent() ? "its video " + videoId : videoId;
                if (plan.objects().isEmpty()) {
                    return refuse(id, named + " is not published (no " + PublishedVideo.masterKey(videoId) + " in "
                            + bucketName + ")" + (job.isPresent() ? "; the job is " + state(job.get())
                                    : statuses == null ? "; job ids need the status store (HLSFLEET_REDIS_URL)" : ""));
                }
                if (!force) {
                    return refuse(id, named + " is not published, but " + plan.objects().size() + " objects are under "
                            + videoId + "/ (a publication in flight, or an unpublish that stopped midway); --force"
                            + " removes them");
                }
            }
            List<JobStatus> jobs = statuses == null ? List.of() : statuses.ofVideo(videoId);
            for (JobStatus inFlight : jobs) {
                if (!inFlight.state().finished()) {
                    err.println("warning: job " + Printable.of(inFlight.jobId()) + " of " + videoId + " is "
                            + state(inFlight) + "; when it ends it publishes the video again ('hlsfleet cancel "
                            + Printable.of(inFlight.jobId()) + "' stops it)");
                }
            }
            if (dryRun) {
                err.println(videoId + ": would remove " + describe(plan) + ", in this order:");
                plan.objects().forEach(out::println);
                plan.keys().forEach(key -> out.println("key store: " + key));
                return true;
            }
            Unpublisher.Result result = unpublisher.remove(plan);
            if (result.republished()) {
                err.println("not unpublished " + videoId + ": its master playlist was written again while it was being"
                        + " removed (a publication was in flight); run 'hlsfleet unpublish " + videoId + "' again");
                return false;
            }
            if (plan.published()) {
                List<JobStatus> published = jobs.stream().filter(s -> s.state() == JobState.PUBLISHED).toList();
                markUnpublished(published);
                announce(plan, job, published);
            }
            out.println(videoId + "  unpublished: removed " + describe(plan));
            if (!result.leftovers().isEmpty()) {
                err.println("warning: " + result.leftovers().size() + " objects of a publication in flight are left"
                        + " under " + videoId + "/; 'hlsfleet unpublish --force " + videoId + "' removes them once it"
                        + " has ended");
            }
            return true;
        }

        private boolean refuse(String id, String reason) {
            err.println("not unpublished " + Printable.of(id) + ": " + Printable.of(reason));
            return false;
        }

        private static String state(JobStatus s) {
            return s.state().name().toLowerCase(Locale.ROOT);
        }

        private static String describe(Unpublisher.Plan plan) {
            List<String> parts = new ArrayList<>();
            if (plan.published()) {
                parts.add(PublishedVideo.MASTER);
            }
            List<String> generations = plan.generationNames();
            int objects = plan.objects().size() - (plan.published() ? 1 : 0);
            parts.add(objects + " objects" + (generations.isEmpty() ? ""
                    : " of generation" + (generations.size() == 1 ? " " : "s ") + String.join(", ", generations)));
            if (!plan.keys().isEmpty()) {
                parts.add(plan.keys().size() + " key" + (plan.keys().size() == 1 ? "" : "s"));
            }
            return String.join(", ", parts);
        }

        /** The video's published jobs say {@code unpublished} from now on; a store that fails is reported, not fatal. */
        private void markUnpublished(List<JobStatus> published) {
            Instant now = Instant.now();
            for (JobStatus s : published) {
                try {
                    statuses.save(new JobStatus(s.jobId(), s.videoId(), s.source(), JobState.UNPUBLISHED, -1, REASON,
                            s.attempt(), null, s.submittedAt(), now, s.title(), s.pictures(), s.generation(),
                            s.parentJobId(), s.children()));
                } catch (RuntimeException e) {
                    err.println("warning: the status of job " + Printable.of(s.jobId()) + " still says published: "
                            + e.getMessage());
                }
            }
        }

        /**
         * The {@code unpublished} event, about the job that published the generation the master
         * named (else the newest published job of the video, else the job given), when one is known.
         */
        private void announce(Unpublisher.Plan plan, Optional<JobStatus> given, List<JobStatus> published) {
            JobStatus about = published.stream().filter(s -> plan.current() != null && plan.current().equals(s.generation()))
                    .findFirst()
                    .or(() -> published.stream().max(Comparator.comparing(JobStatus::updatedAt)))
                    .or(() -> given)
                    .orElse(null);
            JobEvent event = new JobEvent(JobEvent.VERSION, JobEvent.Type.UNPUBLISHED, STAGE,
                    about == null ? null : about.jobId(), plan.videoId(), about == null ? null : about.source(),
                    about == null ? 0 : about.attempt(), Instant.now(), about == null ? null : about.submittedAt(),
                    REASON, null, null, "removed " + describe(plan), about == null ? null : about.title(),
                    new JobEvent.Published(PublishedVideo.masterKey(plan.videoId()),
                            PublishedVideo.masterUrl(masterUrlBase, plan.videoId()), null, null, null, null, null,
                            plan.current()),
                    null, null, about == null ? null : about.parentJobId(), null);
            try {
                bus.get().publish(event);
            } catch (RuntimeException e) {
                err.println("warning: the unpublished event of " + plan.videoId() + " was not sent: " + e.getMessage()
                        + " (HLSFLEET_EVENTS_ENABLED=false where no broker runs)");
            }
        }
    }
}
