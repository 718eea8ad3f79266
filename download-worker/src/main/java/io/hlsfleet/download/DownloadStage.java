package io.hlsfleet.download;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.ListEntry;
import io.hlsfleet.job.SourcePage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.StageHandler;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The download stage: fetches a job's source (http, https or s3) into scratch space and stores it
 * in staging under a key derived from the job id, so a second run overwrites the first. Nothing
 * reaches staging unless it passed the size limit and the content check. A URL of a web page is
 * resolved to the video on it by yt-dlp ({@link PageResolver}). A URL of a feed ({@link Feeds}),
 * playlist, channel or page of several videos gives their entries, which the stage runtime queues
 * as jobs of their own.
 */
public final class DownloadStage implements StageHandler, AutoCloseable {

    private final StagingArea staging;
    private final HttpDownloader http;
    private final S3Downloader s3;
    private final PageResolver pages;
    private final DownloadSettings settings;
    private final DownloadMetrics metrics;

    public DownloadStage(StagingArea staging, DownloadSettings settings) {
        this(staging, settings, DownloadMetrics.detached());
    }

    public DownloadStage(StagingArea staging, DownloadSettings settings, MeterRegistry registry) {
        this(staging, settings, new DownloadMetrics(registry));
    }

    private DownloadStage(StagingArea staging, DownloadSettings settings, DownloadMetrics metrics) {
        this(staging, settings, HostResolver.SYSTEM, metrics,
                settings.s3()::client);
    }

    /** With every seam open: the resolver the SSRF guard asks and the S3 client to use. */
    public DownloadStage(StagingArea staging, DownloadSettings settings, HostResolver resolver,
            DownloadMetrics metrics, Supplier<S3Client> s3Client) {
        this.staging = staging;
        this.settings = settings;
        this.metrics = metrics;
        this.http = new HttpDownloader(settings, resolver, metrics);
        this.pages = new PageResolver(settings, settings.guard(resolver), metrics);
        this.s3 = new S3Downloader(s3Client, settings, metrics);
    }

    @Override
    public StageOutputs process(Job job, JobContext context) throws Exception {
        Path scratch = staging.newScratch(job.jobId());
        try {
            Path file = scratch.resolve("source");
            Fetched fetched = fetch(job, scratch, file, context);
            if (fetched.entries() != null) {
                return StageOutputs.listing(listed(job, fetched.entries()));
            }
            context.bytes("in", fetched.bytes());
            String key = StagingKeys.source(job, StagingKeys.newAttempt());
            staging.store(key, file);
            StageOutputs outputs = job.outputs().withSource(key, fetched.bytes());
            return fetched.page() == null ? outputs : outputs.withPage(fetched.page());
        } finally {
            staging.deleteScratch(scratch);
        }
    }

    @Override
    public void abandoned(Job job, StageOutputs outputs) throws IOException {
        staging.deleteAll(outputs.stagedSince(job.outputs()));
    }

    /**
     * A source on disk: its size and, when the URL named a web page, what the page said about the
     * video; or, when it named a list of videos, their entries and nothing on disk.
     */
    private record Fetched(long bytes, SourcePage page, List<ListEntry> entries) {

        static Fetched file(long bytes) {
            return new Fetched(bytes, null, null);
        }
    }

    /**
     * The entries of a list, each video once, as long as there are no more than the cap and the
     * job is not itself an entry of a list: the fan-out of one URL stays bounded by the cap.
     */
    private List<ListEntry> listed(Job job, List<ListEntry> entries) throws JobFailure {
        if (job.parentJobId() != null) {
            throw JobFailure.permanent("this entry of a list lists " + entries.size() + " videos itself; lists"
                    + " inside lists are not expanded, submit its URL on its own");
        }
        Map<String, ListEntry> unique = new LinkedHashMap<>();
        entries.forEach(entry -> unique.putIfAbsent(entry.publishedId(), entry));
        int cap = settings.download().maxEntries();
        if (unique.size() > cap) {
            throw JobFailure.permanent("the URL lists more than " + cap + " videos, the limit of "
                    + DownloadProperties.MAX_ENTRIES + "; raise it, or submit the videos wanted one by one");
        }
        if (unique.isEmpty()) {
            throw JobFailure.permanent("the URL names a list without any video in it");
        }
        return List.copyOf(unique.values());
    }

    private Fetched fetch(Job job, Path scratch, Path target, JobContext context) throws JobFailure,
            InterruptedException, IOException {
        String source = job.sourceUrl();
        URI uri = parse(source);
        String scheme = uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "http", "https" -> {
                return fetchHttp(uri, scratch, target, context);
            }
            case "s3" -> {
                return Fetched.file(s3.download(uri, target, context));
            }
            default -> {
                if (scheme.length() > 1) {
                    throw JobFailure.permanent("'" + scheme + ":' URLs cannot be downloaded; use http, https or s3");
                }
            }
        }
        if (!settings.allowLocalFiles()) {
            throw JobFailure.permanent("'" + source + "' is not an http(s) or s3 URL; local paths are accepted only by"
                    + " hlsfleet run");
        }
        if (job.parentJobId() != null) {
            // A feed is someone else's writing: it never names a file of this machine.
            throw JobFailure.permanent("'" + source + "' is not an http(s) URL; an entry of a list is never read"
                    + " from a local path");
        }
        Path local = Path.of(source);
        if (!Files.isRegularFile(local) || !Files.isReadable(local)) {
            throw JobFailure.permanent("cannot read local file " + source);
        }
        Files.copy(local, target);
        return Fetched.file(Files.size(target));
    }

    /**
     * A media URL is downloaded directly. A URL that answers with an RSS or Atom feed is read for
     * its entries. A URL that answers with a web page, or belongs to a site listed in
     * {@code HLSFLEET_DOWNLOAD_PAGE_SITES}, is resolved by yt-dlp; the direct attempt has already
     * passed the SSRF guard by then, and yt-dlp's own connections pass it in the proxy.
     */
    private Fetched fetchHttp(URI uri, Path scratch, Path target, JobContext context) throws JobFailure,
            InterruptedException, IOException {
        if (!settings.download().pageSite(uri.getHost())) {
            try {
                return Fetched.file(http.download(uri, target, context));
            } catch (PageNotMedia page) {
                if (page.feed()) {
                    return new Fetched(0, null, readFeed(target, uri));
                }
                if (!pages.available()) {
                    throw JobFailure.permanent(page.reason() + ", and " + pages.unavailable(), page);
                }
            }
        } else {
            http.refuseByForm(uri);
        }
        PageResolver.Resolved resolved = pages.resolve(uri, scratch, target, context);
        return new Fetched(resolved.bytes(), resolved.page(), resolved.entries());
    }

    private List<ListEntry> readFeed(Path file, URI feed) throws JobFailure, IOException {
        long started = System.nanoTime();
        DownloadMetrics.PageOutcome outcome = DownloadMetrics.PageOutcome.FAILED;
        try {
            List<ListEntry> entries = Feeds.entries(file, feed);
            outcome = DownloadMetrics.PageOutcome.LIST;
            return entries;
        } finally {
            metrics.page(outcome, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private static URI parse(String source) {
        try {
            return new URI(source.strip());
        } catch (URISyntaxException e) {
            return null;
        }
    }

    @Override
    public void close() {
        http.close();
        s3.close();
    }
}
