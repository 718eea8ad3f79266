package io.hlsfleet.cli;

import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.JobStatusStore;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.springframework.boot.convert.DurationStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hlsfleet watch}: live progress bars for the jobs a fleet is working on, read from the
 * status store. On a terminal it redraws bars; otherwise it prints a line whenever a job changes.
 */
@Command(name = "watch", description = "Live progress of the jobs in flight (Ctrl-C to stop).")
final class WatchCommand extends CliCommand {

    @Option(names = "--interval", defaultValue = "1s", description = "Refresh interval (default ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--until-idle", description = "Exit once no job is in flight.")
    boolean untilIdle;

    @Override
    int run(PrintWriter out, PrintWriter err) throws InterruptedException {
        Duration refresh;
        try {
            refresh = DurationStyle.detectAndParse(interval, ChronoUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--interval=" + interval + " is not a duration (examples: 500ms, 2s, 1m)");
        }
        boolean interactive = System.console() != null;
        Map<String, ProgressBar> bars = new HashMap<>();
        Map<String, String> lastLine = new HashMap<>();
        try (JobStatusStore store = StatusCommand.connect()) {
            while (true) {
                List<JobStatus> recent = store.recent(200);
                Set<String> active = new HashSet<>();
                for (JobStatus status : recent) {
                    if (status.state().finished()) {
                        ProgressBar done = bars.remove(status.jobId());
                        if (done != null) {
                            done.setExtraMessage(status.state().name().toLowerCase(Locale.ROOT));
                            done.close();
                        }
                        // A list seen in flight says what it became; its videos follow as jobs of their own.
                        if (!interactive && status.state() == JobState.EXPANDED && lastLine.containsKey(status.jobId())) {
                            lastLine.remove(status.jobId());
                            out.println(StatusCommand.name(status) + ": lists "
                                    + (status.children() == null ? 0 : status.children().size()) + " videos");
                            out.flush();
                        }
                        continue;
                    }
                    active.add(status.jobId());
                    if (interactive) {
                        ProgressBar bar = bars.computeIfAbsent(status.jobId(), id -> new ProgressBarBuilder()
                                .setTaskName(StatusCommand.name(status)).setInitialMax(100)
                                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).continuousUpdate().build());
                        bar.stepTo(Math.max(0, status.percent()));
                        bar.setExtraMessage(label(status));
                    } else {
                        String line = StatusCommand.name(status) + ": " + label(status)
                                + (status.percent() >= 0 ? " " + status.percent() + "%" : "");
                        if (!line.equals(lastLine.put(status.jobId(), line))) {
                            out.println(line);
                            out.flush();
                        }
                    }
                }
                if (untilIdle && active.isEmpty()) {
                    bars.values().forEach(ProgressBar::close);
                    out.println("no jobs in flight");
                    out.flush();
                    return 0;
                }
                Thread.sleep(refresh);
            }
        }
    }

    private static String label(JobStatus status) {
        String state = status.state().name().toLowerCase(Locale.ROOT);
        String detail = status.detail() == null || status.detail().isEmpty() ? "" : " " + status.detail();
        return status.state() == JobState.RETRYING ? state + detail + ": " + status.reason() : state + detail;
    }
}
