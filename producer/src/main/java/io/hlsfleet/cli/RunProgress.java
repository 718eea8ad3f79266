package io.hlsfleet.cli;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.PublishedVideo;
import io.hlsfleet.job.SourcePage;
import io.hlsfleet.job.Stage;
import io.hlsfleet.worker.JobListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Follows the jobs of {@code hlsfleet run}: one progress bar per video on a terminal (one line per
 * event otherwise, for logs and pipes), and the summary at the end.
 *
 * <p>Overall progress weights the stages by their usual share of the time: download 0–20 %,
 * encode 20–95 %, upload 95–100 %.
 */
final class RunProgress implements JobListener, AutoCloseable {

    private enum Outcome { PENDING, PUBLISHED, ALREADY_PUBLISHED, FAILED, EXPANDED }

    private record Item(String source, Job job) {
    }

    private final Map<String, Item> items = new LinkedHashMap<>();
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Map<String, String> reasons = new ConcurrentHashMap<>();
    private final Map<String, ProgressBar> bars = new ConcurrentHashMap<>();
    /** Items not finished yet; an expanded item adds its entries before it counts itself done. */
    private final AtomicInteger remaining = new AtomicInteger();
    private final PrintWriter out;
    private final boolean interactive;

    RunProgress(List<Job> jobs, List<String> sources, PrintWriter out, boolean interactive) {
        for (int i = 0; i < jobs.size(); i++) {
            items.put(jobs.get(i).jobId(), new Item(sources.get(i), jobs.get(i)));
            outcomes.put(jobs.get(i).jobId(), Outcome.PENDING);
        }
        remaining.set(jobs.size());
        this.out = out;
        this.interactive = interactive;
    }

    void awaitAll() throws InterruptedException {
        synchronized (remaining) {
            while (remaining.get() > 0) {
                remaining.wait();
            }
        }
    }

    void alreadyPublished(Job job) {
        finish(job, Outcome.ALREADY_PUBLISHED, null);
        line(job, "already published, skipped (use --force to publish again)");
    }

    @Override
    public void started(Stage stage, Job job) {
        update(job, stage, 0, "", false);
        if (!interactive) {
            line(job, stage.id() + " started" + (job.attempt() > 1 ? " (attempt " + job.attempt() + ")" : ""));
        }
    }

    @Override
    public void progress(Stage stage, Job job, double fraction, String detail) {
        update(job, stage, fraction, detail, false);
    }

    /** Two chunks finishing close together may report out of order; the bar only moves on. */
    @Override
    public void partDone(Stage stage, Job job, double fraction, String detail) {
        update(job, stage, fraction, detail, true);
    }

    @Override
    public void succeeded(Stage stage, Job job, Stage nextStage) {
        if (nextStage == null) {
            update(job, stage, 1, "published", false);
            // The published job, whose video id is the one of the video found when the URL named a page.
            synchronized (items) {
                items.computeIfPresent(job.jobId(), (id, item) -> new Item(item.source(), job));
            }
            finish(job, Outcome.PUBLISHED, null);
            line(job, "published");
        }
    }

    @Override
    public void retrying(Stage stage, Job job, JobFailure failure, Duration delay) {
        line(job, stage.id() + " failed, retrying in " + delay.toSeconds() + " s: " + failure.reason());
    }

    /** The item named a feed or playlist: each of its entries is an item of its own from now on. */
    @Override
    public void expanded(Stage stage, Job job, List<Job> children) {
        synchronized (items) {
            Item parent = items.get(job.jobId());
            for (Job child : children) {
                if (items.putIfAbsent(child.jobId(), new Item(child.sourceUrl(), child)) == null) {
                    outcomes.put(child.jobId(), Outcome.PENDING);
                    remaining.incrementAndGet();
                }
            }
            line(job, "lists " + children.size() + " videos" + (parent == null ? "" : " (" + parent.source() + ")"));
        }
        finish(job, Outcome.EXPANDED, null);
    }

    @Override
    public void dead(Stage stage, Job job, JobFailure failure) {
        finish(job, Outcome.FAILED, stage.id() + ": " + failure.reason());
        line(job, "FAILED at " + stage.id() + ": " + failure.reason());
    }

    private void update(Job job, Stage stage, double fraction, String detail, boolean onlyForward) {
        // A job that ended gets no bar again from work late to report (a chunk still running after
        // another chunk of the video died).
        if (!interactive || outcomes.getOrDefault(job.jobId(), Outcome.PENDING) != Outcome.PENDING) {
            return;
        }
        ProgressBar bar = bars.computeIfAbsent(job.jobId(), id -> new ProgressBarBuilder()
                .setTaskName(shorten(name(job)))
                .setInitialMax(1000)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .build());
        double[] range = switch (stage) {
            case DOWNLOAD -> new double[] {0, 0.2};
            case ENCODE -> new double[] {0.2, 0.95};
            case UPLOAD -> new double[] {0.95, 1};
        };
        long step = Math.round(1000 * (range[0] + (range[1] - range[0]) * Math.max(0, Math.min(1, fraction))));
        if (onlyForward && step < bar.getCurrent()) {
            return;
        }
        bar.stepTo(step);
        bar.setExtraMessage(stage.id() + (detail.isEmpty() ? "" : " " + detail));
    }

    /** Where the job's bar stands, in thousandths of the whole run of the job; -1 without a bar. */
    long shownThousandths(String jobId) {
        ProgressBar bar = bars.get(jobId);
        return bar == null ? -1 : bar.getCurrent();
    }

    private void finish(Job job, Outcome outcome, String reason) {
        if (outcomes.replace(job.jobId(), Outcome.PENDING, outcome)) {
            if (reason != null) {
                reasons.put(job.jobId(), reason);
            }
            ProgressBar bar = bars.remove(job.jobId());
            if (bar != null) {
                bar.setExtraMessage(outcome.name().toLowerCase(Locale.ROOT));
                bar.close();
            }
            synchronized (remaining) {
                remaining.decrementAndGet();
                remaining.notifyAll();
            }
        }
    }

    /** The video id, and the title once the download stage found one on the web page the job named. */
    private static String name(Job job) {
        SourcePage page = job.outputs().page();
        return Printable.of(page == null || page.title() == null ? job.videoId()
                : job.videoId() + " \"" + page.title() + "\"");
    }

    private void line(Job job, String message) {
        if (!interactive) {
            synchronized (out) {
                out.println(shorten(name(job)) + ": " + message);
                out.flush();
            }
        }
    }

    /**
     * Prints the summary and returns the exit code: 0 only if every video was published. A feed or
     * playlist is not a video of its own; the videos it listed are.
     */
    int printSummary(PrintWriter out, PrintWriter err, Path bucket) {
        long lists = outcomes.values().stream().filter(o -> o == Outcome.EXPANDED).count();
        long failed = outcomes.values().stream()
                .filter(o -> o != Outcome.PUBLISHED && o != Outcome.ALREADY_PUBLISHED && o != Outcome.EXPANDED).count();
        long videos = items.size() - lists;
        out.printf(Locale.ROOT, "%d of %d videos published to %s%n", videos - failed, videos, bucket);
        for (Map.Entry<String, Item> entry : items.entrySet()) {
            Outcome outcome = outcomes.get(entry.getKey());
            if (outcome == Outcome.PUBLISHED || outcome == Outcome.ALREADY_PUBLISHED) {
                out.println("  " + bucket.resolve(PublishedVideo.masterKey(entry.getValue().job().videoId())));
            }
        }
        out.flush();
        for (Map.Entry<String, Item> entry : items.entrySet()) {
            Outcome outcome = outcomes.get(entry.getKey());
            if (outcome != Outcome.PUBLISHED && outcome != Outcome.ALREADY_PUBLISHED && outcome != Outcome.EXPANDED) {
                err.println("FAILED " + entry.getValue().source() + ": "
                        + reasons.getOrDefault(entry.getKey(), "did not finish"));
            }
        }
        err.flush();
        return failed == 0 ? 0 : 1;
    }

    private static String shorten(String videoId) {
        return videoId.length() <= 32 ? videoId : videoId.substring(0, 29) + "...";
    }

    @Override
    public void close() {
        bars.values().forEach(ProgressBar::close);
    }
}
