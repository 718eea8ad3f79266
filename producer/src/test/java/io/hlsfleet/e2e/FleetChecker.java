package io.hlsfleet.e2e;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Stage;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.testing.LadderAssertions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The end-of-test verdict of every fault scenario: "never lose a video, never leave a broken one".
 * <ul>
 *   <li>every submitted job ended published, or dead with the expected reason (its status and a
 *       dead letter with that reason agree); a raw message that was no job is a dead letter;</li>
 *   <li>every published ladder is complete and plays ({@link io.hlsfleet.testing.LadderAssertions}), the bucket holds
 *       exactly the published videos, and no job's ladder was published twice;</li>
 *   <li>nothing is left behind: no ffmpeg or ffprobe working in the fleet's staging, no staged job
 *       files once the dead letters are purged ({@code dlq purge}; a dead job's inputs stay until
 *       then), and (unless a worker was killed, which cannot clean up) no scratch folders.</li>
 * </ul>
 * {@link #evaluate} is separate from the fleet, so a test can show that it catches each fault.
 */
final class FleetChecker {

    private static final Pattern PUBLISHED = Pattern.compile(
            "\\[upload ([0-9a-f-]{36})] StageWorker: upload succeeded; ladder published");

    /** What one submitted URL must end as. */
    record Expectation(String url, Path source, List<Integer> heights, String reason) {

        static Expectation published(String url, Path source, List<Integer> heights) {
            return new Expectation(url, source, heights, null);
        }

        static Expectation dead(String url, String reason) {
            return new Expectation(url, null, List.of(), reason);
        }

        boolean shouldPublish() {
            return reason == null;
        }
    }

    /** A raw message queued on {@code stage} that is no job: it must be a dead letter with {@code reason}. */
    record RawPoison(Stage stage, String body, String reason) {
    }

    /** What a scenario may leave that a healthy run may not. */
    record Allowed(boolean scratchLeftovers, boolean republished) {
        /** A run with no worker killed: everything cleaned up, every ladder published once. */
        static final Allowed NOTHING = new Allowed(false, false);
        /** A killed worker cannot delete its scratch folder. */
        static final Allowed KILLED_WORKER_SCRATCH = new Allowed(true, false);
        /**
         * A broker that goes away between a publication and its ack makes the job run again; the
         * second publication overwrites the same keys with the same ladder. It is counted, not refused.
         */
        static final Allowed REPUBLISHED = new Allowed(false, true);
    }

    /** The numbers of a scenario. */
    record Counts(int submitted, int published, int dead, int duplicated) {
    }

    /** Everything the verdict looks at, taken from a fleet at one moment. */
    record Snapshot(List<JobStatus> statuses, Map<Stage, List<DeadLetter>> deadLetters, Path bucket, Path staging,
            String uploadLog, List<String> ffmpegLeft) {

        static Snapshot of(Fleet fleet) throws IOException, InterruptedException {
            Map<Stage, List<DeadLetter>> letters = new HashMap<>();
            for (Stage stage : Stage.values()) {
                letters.put(stage, fleet.transport().deadLetters(stage, 1000));
            }
            fleet.cli("dlq", "purge");
            return new Snapshot(fleet.statuses(), letters, fleet.bucket(), fleet.staging(), fleet.uploadLog(),
                    FfmpegProcesses.awaitGone(fleet.staging().toString(), Duration.ofSeconds(10)));
        }
    }

    private FleetChecker() {
    }

    /**
     * Waits until every expected job has finished (or {@code timeout} passed), then checks the
     * fleet and returns its numbers; throws an {@link AssertionError} listing every problem.
     */
    static Counts awaitAndCheck(Fleet fleet, List<Expectation> jobs, List<RawPoison> raw, Allowed allowed,
            Duration timeout) throws Exception {
        awaitFinished(fleet, jobs, timeout);
        return check(fleet, jobs, raw, allowed);
    }

    /** Waits until every expected job has finished, or {@code timeout} passed. */
    static void awaitFinished(Fleet fleet, List<Expectation> jobs, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && !allFinished(fleet.statuses(), jobs)) {
            Thread.sleep(500);
        }
    }

    /** Checks the fleet as it is now and returns its numbers; throws an {@link AssertionError} listing every problem. */
    static Counts check(Fleet fleet, List<Expectation> jobs, List<RawPoison> raw, Allowed allowed) throws Exception {
        return evaluate(Snapshot.of(fleet), jobs, raw, allowed);
    }

    static boolean allFinished(List<JobStatus> statuses, List<Expectation> jobs) {
        for (Expectation job : jobs) {
            if (statusOf(statuses, job.url()).filter(s -> s.state().finished()).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static Optional<JobStatus> statusOf(List<JobStatus> statuses, String url) {
        return statuses.stream().filter(s -> url.equals(s.source())).findFirst();
    }

    static Counts evaluate(Snapshot snapshot, List<Expectation> jobs, List<RawPoison> raw, Allowed allowed)
            throws Exception {
        List<String> problems = new ArrayList<>();
        List<DeadLetter> allLetters = snapshot.deadLetters().values().stream().flatMap(List::stream).toList();
        Set<String> publishedVideos = new TreeSet<>();
        int published = 0;
        int dead = 0;
        for (Expectation job : jobs) {
            var found = statusOf(snapshot.statuses(), job.url());
            if (found.isEmpty()) {
                problems.add("no status for " + job.url() + ": the job is lost");
                continue;
            }
            JobStatus status = found.get();
            if (status.state() == JobState.PUBLISHED) {
                published++;
                publishedVideos.add(status.videoId());
                if (!job.shouldPublish()) {
                    problems.add(job.url() + " was published but should be dead (" + job.reason() + ")");
                    continue;
                }
                try {
                    LadderAssertions.assertLadder(snapshot.bucket(), status.videoId(), job.source(), job.heights());
                } catch (AssertionError | IOException broken) {
                    problems.add("the ladder of " + job.url() + " is broken: " + broken.getMessage());
                }
            } else if (status.state() == JobState.DEAD) {
                dead++;
                if (job.shouldPublish()) {
                    problems.add(job.url() + " is dead but should be published; reason: " + status.reason());
                } else if (status.reason() == null || !status.reason().contains(job.reason())) {
                    problems.add(job.url() + " is dead with reason '" + status.reason() + "', expected '"
                            + job.reason() + "'");
                }
                boolean lettered = allLetters.stream().anyMatch(letter -> status.jobId().equals(letter.jobId())
                        && letter.reason() != null && letter.reason().equals(status.reason()));
                if (!lettered) {
                    problems.add(job.url() + " is dead but no dead letter with its reason is queued");
                }
            } else {
                problems.add(job.url() + " never finished; last state " + status.state() + " (" + status.reason() + ")");
            }
        }
        for (RawPoison poison : raw) {
            boolean lettered = snapshot.deadLetters().getOrDefault(poison.stage(), List.of()).stream()
                    .anyMatch(letter -> letter.rawBody() != null && letter.rawBody().contains(poison.body())
                            && letter.reason() != null && letter.reason().contains(poison.reason()));
            if (lettered) {
                dead++;
            } else {
                problems.add("no dead letter on " + poison.stage().id() + " for raw body '" + poison.body()
                        + "' with reason '" + poison.reason() + "'");
            }
        }
        Set<String> inBucket = new TreeSet<>(listNames(snapshot.bucket()));
        if (!inBucket.equals(publishedVideos)) {
            problems.add("the bucket holds " + inBucket + " but the published videos are " + publishedVideos);
        }
        int duplicated = duplicatedPublications(snapshot.uploadLog());
        if (duplicated > 0 && !allowed.republished()) {
            problems.add(duplicated + " job(s) had their ladder published more than once");
        }
        if (!snapshot.ffmpegLeft().isEmpty()) {
            problems.add("ffmpeg left running: " + snapshot.ffmpegLeft());
        }
        List<String> staged = stagedFiles(snapshot.staging().resolve("jobs"));
        if (!staged.isEmpty()) {
            problems.add("staged files left: " + staged);
        }
        List<String> scratch = listNames(snapshot.staging().resolve("scratch"));
        if (!scratch.isEmpty() && !allowed.scratchLeftovers()) {
            problems.add("scratch folders left: " + scratch);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("the fleet lost or broke jobs:\n  - " + String.join("\n  - ", problems));
        }
        return new Counts(jobs.size() + raw.size(), published, dead, duplicated);
    }

    /** Jobs whose ladder the upload workers report publishing more than once. */
    static int duplicatedPublications(String uploadLog) {
        Map<String, Integer> publications = new HashMap<>();
        Matcher matcher = PUBLISHED.matcher(uploadLog);
        while (matcher.find()) {
            publications.merge(matcher.group(1), 1, Integer::sum);
        }
        return (int) publications.values().stream().filter(count -> count > 1).count();
    }

    /**
     * The files and empty folders under {@code jobs}, named from there (the first 20, enough to
     * tell what was left).
     */
    private static List<String> stagedFiles(Path jobs) throws IOException {
        if (!Files.isDirectory(jobs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(jobs)) {
            return files.filter(path -> !path.equals(jobs) && (Files.isRegularFile(path) || isEmptyFolder(path)))
                    .map(path -> jobs.relativize(path).toString()).sorted().limit(20).toList();
        }
    }

    private static boolean isEmptyFolder(Path path) {
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        } catch (IOException notAFolder) {
            return false;
        }
    }

    private static List<String> listNames(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
