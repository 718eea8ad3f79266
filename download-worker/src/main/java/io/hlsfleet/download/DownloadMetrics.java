package io.hlsfleet.download;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The download stage's own metrics under {@code hlsfleet.download.*}. Tags are bounded: the retry
 * cause is one of {@link RetryCause}; no URL or host ever becomes a tag.
 */
public final class DownloadMetrics {

    /** Why a transfer was tried again; the values of the {@code cause} tag. */
    enum RetryCause {
        CONNECT, TIMEOUT, STATUS_5XX, STATUS_429, BROKEN;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How resolving a page URL or reading a feed ended; the values of the {@code outcome} tag of {@code hlsfleet.download.pages}. */
    enum PageOutcome {
        /** The page's one video was downloaded. */
        VIDEO,
        /** The page or feed listed several videos, each queued as a job of its own. */
        LIST,
        /** Something the page led to is at a refused address. */
        REFUSED,
        /** No video was found, or yt-dlp or the feed failed otherwise. */
        FAILED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Counter bytes;
    private final Map<PageOutcome, Timer> pages = new EnumMap<>(PageOutcome.class);
    private final AtomicInteger inflight = new AtomicInteger();
    private final Timer ttfb;
    private final DistributionSummary throughput;
    private final Map<RetryCause, Counter> retries = new EnumMap<>(RetryCause.class);

    public DownloadMetrics(MeterRegistry registry) {
        this.bytes = Counter.builder("hlsfleet.download.bytes").baseUnit("bytes")
                .description("Bytes received from origins").register(registry);
        Gauge.builder("hlsfleet.download.inflight", inflight, AtomicInteger::get)
                .description("Downloads in progress").register(registry);
        this.ttfb = Timer.builder("hlsfleet.download.ttfb").description("Time from request to response headers")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(2)).register(registry);
        this.throughput = DistributionSummary.builder("hlsfleet.download.throughput").baseUnit("bytes.per.second")
                .description("Average rate of each finished download").publishPercentileHistogram().register(registry);
        for (RetryCause cause : RetryCause.values()) {
            retries.put(cause, Counter.builder("hlsfleet.download.retries").tag("cause", cause.tag())
                    .description("Transfers tried again inside the stage").register(registry));
        }
        for (PageOutcome outcome : PageOutcome.values()) {
            pages.put(outcome, Timer.builder("hlsfleet.download.pages").tag("outcome", outcome.tag())
                    .description("Page URLs resolved by yt-dlp and feeds read, by how they ended")
                    .register(registry));
        }
    }

    /** Metrics that go nowhere, for callers without a registry. */
    public static DownloadMetrics detached() {
        return new DownloadMetrics(new SimpleMeterRegistry());
    }

    void started() {
        inflight.incrementAndGet();
    }

    void finished() {
        inflight.decrementAndGet();
    }

    void received(long count) {
        bytes.increment(count);
    }

    void firstByte(Duration elapsed) {
        ttfb.record(elapsed);
    }

    void completed(long totalBytes, Duration elapsed) {
        double seconds = Math.max(elapsed.toNanos(), 1) / 1e9;
        throughput.record(totalBytes / seconds);
    }

    void page(PageOutcome outcome, Duration elapsed) {
        pages.get(outcome).record(elapsed);
    }

    void retry(RetryCause cause) {
        retries.get(cause).increment();
    }
}
