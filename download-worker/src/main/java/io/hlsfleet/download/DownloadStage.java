package io.hlsfleet.download;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
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
import java.util.Locale;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The download stage: fetches a job's source (http, https or s3) into scratch space and stores it
 * in staging under a key derived from the job id, so a second run overwrites the first. Nothing
 * reaches staging unless it passed the size limit and the content check. A URL of a web page is
 * resolved to the video on it by yt-dlp ({@link PageResolver}).
 */
public final class DownloadStage implements StageHandler, AutoCloseable {

    private final StagingArea staging;
    private final HttpDownloader http;
    private final S3Downloader s3;
    private final PageResolver pages;
    private final DownloadSettings settings;

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
        this.http = new HttpDownloader(settings, resolver, metrics);
        this.pages = new PageResolver(settings, settings.guard(resolver));
        this.s3 = new S3Downloader(s3Client, settings, metrics);
    }

    @Override
    public StageOutputs process(Job job, JobContext context) throws Exception {
        Path scratch = staging.newScratch(job.jobId());
        try {
            Path file = scratch.resolve("source");
            Fetched fetched = fetch(job.sourceUrl(), scratch, file, context);
            context.bytes("in", fetched.bytes());
            String key = StagingKeys.source(job, StagingKeys.newAttempt());
            staging.store(key, file);
            StageOutputs outputs = job.outputs().withSource(key, fetched.bytes());
            return fetched.page() == null ? outputs : outputs.withPage(fetched.page());
        } finally {
            staging.deleteScratch(scratch);
        }
    }

    /** A source on disk: its size and, when the URL named a web page, what the page said about the video. */
    private record Fetched(long bytes, SourcePage page) {
    }

    private Fetched fetch(String source, Path scratch, Path target, JobContext context) throws JobFailure,
            InterruptedException, IOException {
        URI uri = parse(source);
        String scheme = uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "http", "https" -> {
                return fetchHttp(uri, scratch, target, context);
            }
            case "s3" -> {
                return new Fetched(s3.download(uri, target, context), null);
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
        Path local = Path.of(source);
        if (!Files.isRegularFile(local) || !Files.isReadable(local)) {
            throw JobFailure.permanent("cannot read local file " + source);
        }
        Files.copy(local, target);
        return new Fetched(Files.size(target), null);
    }

    /**
     * A media URL is downloaded directly. A URL that answers with a web page, or belongs to a site
     * listed in {@code HLSFLEET_DOWNLOAD_PAGE_SITES}, is resolved by yt-dlp; the direct attempt has
     * already passed the SSRF guard by then, and yt-dlp's own connections pass it in the proxy.
     */
    private Fetched fetchHttp(URI uri, Path scratch, Path target, JobContext context) throws JobFailure,
            InterruptedException, IOException {
        if (!settings.download().pageSite(uri.getHost())) {
            try {
                return new Fetched(http.download(uri, target, context), null);
            } catch (PageNotMedia page) {
                if (!pages.available()) {
                    throw JobFailure.permanent(page.reason() + ", and " + pages.unavailable(), page);
                }
            }
        } else {
            http.refuseByForm(uri);
        }
        PageResolver.Resolved resolved = pages.resolve(uri, scratch, target, context);
        return new Fetched(resolved.bytes(), resolved.page());
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
