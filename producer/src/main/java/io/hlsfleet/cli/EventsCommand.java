package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Rendition;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hlsfleet events}: follows the fleet's job events live, as they are published on the
 * broker (see {@link EventBus}); one line per event, or its JSON with {@code --json}.
 */
@Command(name = "events", description = "Follow the fleet's job events live (Ctrl-C to stop).")
final class EventsCommand extends CliCommand {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    @Option(names = "--json", description = "Each event's JSON, one per line.")
    boolean json;

    @Option(names = "--filter", defaultValue = "#", paramLabel = "PATTERN",
            description = "Only events whose <event>.<stage> key matches, e.g. 'published.*', '*.encode',"
                    + " '#' for all (default).")
    String filter;

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Only this job's events, and those of the videos it lists (repeatable).")
    List<String> jobIds = new ArrayList<>();

    @Option(names = "--count", paramLabel = "N", description = "Exit after N events.")
    Integer count;

    @Override
    int run(PrintWriter out, PrintWriter err) throws Exception {
        if (count != null && count < 1) {
            throw new IllegalArgumentException("--count must be at least 1");
        }
        BlockingQueue<JobEvent> events = new LinkedBlockingQueue<>();
        FleetConfig config = FleetConfig.from(Settings.fromEnvironment());
        try (Transport transport = Transports.connect(config);
             EventBus.Feed feed = transport.events().follow(filter, events::add)) {
            err.println("following " + config.broker() + " events matching " + filter);
            err.flush();
            int shown = 0;
            while (count == null || shown < count) {
                JobEvent event = events.take();
                // A list's videos are followed with the list.
                if (!jobIds.isEmpty() && !jobIds.contains(event.jobId()) && !jobIds.contains(event.parentJobId())) {
                    continue;
                }
                out.println(json ? JobCodec.toJson(event) : describe(event));
                out.flush();
                shown++;
            }
        }
        return 0;
    }

    /** One line a person reads: time, event, stage, job, video, and what the event adds. */
    static String describe(JobEvent e) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s  %-9s  %-8s  %s  %s",
                TIME.format(e.at()), e.type().id(), e.stage(), Printable.of(e.jobId()),
                Printable.of(e.title() == null ? e.videoId() : e.videoId() + " \"" + e.title() + "\"")));
        if (e.attempt() > 1) {
            line.append("  attempt ").append(e.attempt());
        }
        if (e.percent() != null) {
            line.append("  ").append(e.percent()).append('%');
        }
        if (e.detail() != null && !e.detail().isEmpty()) {
            line.append("  ").append(Printable.of(e.detail()));
        }
        if (e.retryInSeconds() != null) {
            line.append("  again in ").append(e.retryInSeconds()).append(" s");
        }
        if (e.reason() != null) {
            line.append("  reason: ").append(Printable.of(e.reason()));
        }
        if (e.parentJobId() != null) {
            line.append("  listed by ").append(Printable.of(e.parentJobId()));
        }
        if (e.children() != null) {
            line.append("  videos: ").append(Printable.of(String.join(" ", e.children())));
        }
        JobEvent.Published p = e.published();
        if (p != null) {
            line.append("  ").append(Printable.of(p.masterUrl()));
            if (p.durationSeconds() != null) {
                line.append(String.format(Locale.ROOT, "  %.1f s", p.durationSeconds()));
            }
            if (p.renditions() != null) {
                line.append("  ").append(p.renditions().stream().map(Rendition::resolution)
                        .collect(Collectors.joining(" ")));
            }
            if (p.poster() != null) {
                line.append("  poster");
            }
            if (p.storyboard() != null) {
                line.append("  storyboard");
            }
        }
        return line.toString();
    }
}
