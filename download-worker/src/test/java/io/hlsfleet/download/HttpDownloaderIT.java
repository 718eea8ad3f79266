package io.hlsfleet.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.testing.ScriptedOrigin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transfers against origins that misbehave on purpose: on loopback, with the allow-list open for it. */
class HttpDownloaderIT {

    private static final String ETAG = "\"v1\"";

    @TempDir
    Path dir;

    private final byte[] video = Fixtures.video(256 * 1024, 42);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ScriptedOrigin origin;

    @BeforeEach
    void start() throws IOException {
        origin = ScriptedOrigin.on("127.0.0.1");
    }

    @AfterEach
    void stop() throws IOException {
        origin.close();
    }

    private HttpDownloader downloader(String... overrides) {
        List<String> all = new ArrayList<>(List.of("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.0/8"));
        all.addAll(Arrays.asList(overrides));
        return new HttpDownloader(Fixtures.settings(all.toArray(String[]::new)), HostResolver.SYSTEM,
                new DownloadMetrics(registry));
    }

    private long download(HttpDownloader downloader, String path, Path out) throws Exception {
        return downloader.download(URI.create(origin.url(path)), out, new Fixtures.RecordingContext());
    }

    private JobFailure failure(HttpDownloader downloader, String path) {
        Throwable thrown = catchThrowable(() -> download(downloader, path, dir.resolve("out")));
        assertThat(thrown).isInstanceOf(JobFailure.class);
        return (JobFailure) thrown;
    }

    private double retries(String cause) {
        return registry.get("hlsfleet.download.retries").tag("cause", cause).counter().count();
    }

    /** Serves {@link #video} with ETag and ranges; the first full response stops after {@code cut} bytes. */
    private ScriptedOrigin.Handler resumable(int cut, String etag) {
        AtomicInteger served = new AtomicInteger();
        return (request, out) -> {
            String range = request.header("Range");
            if (range != null && etag.equals(request.header("If-Range"))) {
                int from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
                ScriptedOrigin.respond(out, 206, Map.of("ETag", etag, "Content-Range",
                        "bytes " + from + "-" + (video.length - 1) + "/" + video.length),
                        Arrays.copyOfRange(video, from, video.length));
                return;
            }
            ScriptedOrigin.head(out, 200, Map.of("ETag", etag, "Accept-Ranges", "bytes",
                    "Content-Length", Integer.toString(video.length)));
            if (served.getAndIncrement() == 0) {
                out.write(video, 0, cut);
                out.flush();
                return; // the connection closes here, midway
            }
            out.write(video);
        };
    }

    @Test
    void resumedDownloadIsByteIdentical() throws Exception {
        origin.route("/v.mp4", resumable(100_000, ETAG));
        Path out = dir.resolve("resumed.mp4");
        try (HttpDownloader downloader = downloader()) {
            assertThat(download(downloader, "/v.mp4", out)).isEqualTo(video.length);
            assertThat(downloader.hostsInUse()).as("hosts tracked once the transfer ended").isZero();
        }
        assertThat(HttpDownloader.watchdogTasks()).as("watchdog tasks left by finished transfers").isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(video);
        assertThat(origin.requests()).hasSize(2);
        ScriptedOrigin.Request second = origin.requests().get(1);
        assertThat(second.header("Range")).isEqualTo("bytes=100000-");
        assertThat(second.header("If-Range")).isEqualTo(ETAG);
        assertThat(retries("broken")).isEqualTo(1);
        assertThat(registry.get("hlsfleet.download.bytes").counter().count()).isEqualTo(video.length);
    }

    @Test
    void restartsWhenTheOriginChangedOrIgnoresRanges() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        byte[] changed = Fixtures.video(200 * 1024, 43);
        origin.route("/v.mp4", (request, out) -> {
            if (calls.getAndIncrement() == 0) {
                ScriptedOrigin.head(out, 200, Map.of("ETag", ETAG, "Content-Length", Integer.toString(video.length)));
                out.write(video, 0, 50_000);
                return;
            }
            // If-Range no longer matches: the whole new representation, as RFC 9110 asks.
            ScriptedOrigin.respond(out, 200, Map.of("ETag", "\"v2\""), changed);
        });
        Path out = dir.resolve("restarted.mp4");
        try (HttpDownloader downloader = downloader()) {
            assertThat(download(downloader, "/v.mp4", out)).isEqualTo(changed.length);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(changed);
        assertThat(origin.requests().get(1).header("Range")).isEqualTo("bytes=50000-");
    }

    @Test
    void restartsWithoutRangeWhenTheOriginGaveNoValidator() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        origin.route("/v.mp4", (request, out) -> {
            ScriptedOrigin.head(out, 200, Map.of("Content-Length", Integer.toString(video.length)));
            out.write(video, 0, calls.getAndIncrement() == 0 ? 30_000 : video.length);
        });
        Path out = dir.resolve("plain.mp4");
        try (HttpDownloader downloader = downloader()) {
            download(downloader, "/v.mp4", out);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(video);
        assertThat(origin.requests().get(1).header("Range")).isNull();
    }

    @Test
    void clientErrorsArePermanentAtOnce() {
        origin.route("/gone", (r, out) -> ScriptedOrigin.respond(out, 404, Map.of(), new byte[0]));
        origin.route("/forbidden", (r, out) -> ScriptedOrigin.respond(out, 403, Map.of(), new byte[0]));
        try (HttpDownloader downloader = downloader()) {
            JobFailure gone = failure(downloader, "/gone");
            assertThat(gone.retryable()).isFalse();
            assertThat(gone.reason()).contains("404");
            assertThat(failure(downloader, "/forbidden").retryable()).isFalse();
        }
        assertThat(origin.requests()).hasSize(2);
    }

    @Test
    void serverErrorsAreRetriedThenSucceed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        origin.route("/v.mp4", (r, out) -> {
            if (calls.getAndIncrement() < 2) {
                ScriptedOrigin.respond(out, 503, Map.of(), "busy".getBytes(StandardCharsets.UTF_8));
            } else {
                ScriptedOrigin.respond(out, 200, Map.of(), video);
            }
        });
        Path out = dir.resolve("after-503.mp4");
        try (HttpDownloader downloader = downloader()) {
            download(downloader, "/v.mp4", out);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(video);
        assertThat(origin.requests()).hasSize(3);
        assertThat(retries("status_5xx")).isEqualTo(2);
    }

    @Test
    void serverErrorsBecomeRetryableOnceTheTriesAreSpent() {
        origin.route("/v.mp4", (r, out) -> ScriptedOrigin.respond(out, 500, Map.of(), new byte[0]));
        try (HttpDownloader downloader = downloader("HLSFLEET_DOWNLOAD_ATTEMPTS", "3")) {
            JobFailure failure = failure(downloader, "/v.mp4");
            assertThat(failure.retryable()).isTrue();
            assertThat(failure.reason()).contains("500", "3 tries");
        }
        assertThat(origin.requests()).hasSize(3);
    }

    @Test
    void tooManyRequestsHonoursRetryAfter() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        origin.route("/v.mp4", (r, out) -> {
            if (calls.getAndIncrement() == 0) {
                ScriptedOrigin.respond(out, 429, Map.of("Retry-After", "1"), new byte[0]);
            } else {
                ScriptedOrigin.respond(out, 200, Map.of(), video);
            }
        });
        origin.route("/later", (r, out) -> ScriptedOrigin.respond(out, 429, Map.of("Retry-After", "3600"), new byte[0]));
        try (HttpDownloader downloader = downloader()) {
            long started = System.nanoTime();
            download(downloader, "/v.mp4", dir.resolve("after-429.mp4"));
            assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(1_000_000_000L);
            assertThat(retries("status_429")).isEqualTo(1);
            // Longer than the stage waits: back to the queue at once, whose backoff tiers take over.
            JobFailure later = failure(downloader, "/later");
            assertThat(later.retryable()).isTrue();
            assertThat(later.reason()).contains("3600 s");
        }
    }

    @Test
    void refusesHtmlAndTextBodies() {
        origin.route("/page", (r, out) -> ScriptedOrigin.respond(out, 200, Map.of("Content-Type", "video/mp4"),
                "<!doctype html><html><body>Please log in</body></html>".getBytes(StandardCharsets.UTF_8)));
        origin.route("/playlist", (r, out) -> ScriptedOrigin.respond(out, 200, Map.of(),
                "#EXTM3U\n#EXT-X-TARGETDURATION:6\nseg0.ts\n".repeat(40).getBytes(StandardCharsets.UTF_8)));
        try (HttpDownloader downloader = downloader()) {
            JobFailure page = failure(downloader, "/page");
            assertThat(page.retryable()).isFalse();
            assertThat(page.reason()).contains("HTML page");
            JobFailure text = failure(downloader, "/playlist");
            assertThat(text.retryable()).isFalse();
            assertThat(text.reason()).contains("text");
        }
    }

    @Test
    void sizeCapHoldsAgainstAMissingOrLyingContentLength() throws Exception {
        byte[] big = Fixtures.video(512 * 1024, 5);
        // No Content-Length: the body runs until the connection closes.
        origin.route("/unsized", (r, out) -> {
            ScriptedOrigin.head(out, 200, Map.of());
            out.write(big);
        });
        // Declares 1000 bytes, then keeps sending: only the declared bytes are read.
        origin.route("/liar", (r, out) -> {
            ScriptedOrigin.head(out, 200, Map.of("Content-Length", "1000"));
            out.write(big);
        });
        // Declares more than the cap: refused before a byte of the body is read.
        origin.route("/declared", (r, out) -> {
            ScriptedOrigin.head(out, 200, Map.of("Content-Length", Long.toString(1L << 40)));
            out.write(big);
        });
        try (HttpDownloader downloader = downloader("HLSFLEET_DOWNLOAD_MAX_BYTES", "128k")) {
            Path unsized = dir.resolve("unsized");
            Throwable thrown = catchThrowable(() -> download(downloader, "/unsized", unsized));
            assertThat(thrown).isInstanceOf(JobFailure.class);
            assertThat(((JobFailure) thrown).retryable()).isFalse();
            assertThat(((JobFailure) thrown).reason()).contains("HLSFLEET_DOWNLOAD_MAX_BYTES");
            assertThat(Files.size(unsized)).isLessThanOrEqualTo(128 * 1024);

            Path liar = dir.resolve("liar");
            assertThat(download(downloader, "/liar", liar)).isEqualTo(1000);
            assertThat(Files.size(liar)).isEqualTo(1000);

            JobFailure declared = failure(downloader, "/declared");
            assertThat(declared.retryable()).isFalse();
            assertThat(declared.reason()).contains("more than the limit");
        }
    }

    @Test
    void dripFeedingOriginIsEndedByTheTotalTimeout() {
        origin.route("/drip", (r, out) -> {
            ScriptedOrigin.head(out, 200, Map.of("Content-Length", Integer.toString(video.length)));
            out.write(video, 0, 1024);
            for (int i = 1024; i < video.length; i++) {
                out.write(video[i]);
                out.flush();
                Thread.sleep(50);
            }
        });
        try (HttpDownloader downloader = downloader("HLSFLEET_DOWNLOAD_READ_TIMEOUT", "1s",
                "HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT", "1500ms")) {
            long started = System.nanoTime();
            JobFailure failure = failure(downloader, "/drip");
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(failure.retryable()).isTrue();
            assertThat(failure.reason()).contains("HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT");
            assertThat(elapsedMs).isBetween(1400L, 5000L);
        }
    }

    @Test
    void silentOriginIsEndedByTheReadTimeout() {
        origin.route("/silent", (r, out) -> {
            ScriptedOrigin.head(out, 200, Map.of("Content-Length", Integer.toString(video.length)));
            out.write(video, 0, 1024);
            out.flush();
            Thread.sleep(10_000);
        });
        try (HttpDownloader downloader = downloader("HLSFLEET_DOWNLOAD_READ_TIMEOUT", "300ms",
                "HLSFLEET_DOWNLOAD_ATTEMPTS", "2")) {
            long started = System.nanoTime();
            JobFailure failure = failure(downloader, "/silent");
            assertThat(failure.retryable()).isTrue();
            assertThat(failure.reason()).contains("HLSFLEET_DOWNLOAD_READ_TIMEOUT");
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5000L);
        }
        assertThat(retries("timeout")).isEqualTo(1);
    }

    @Test
    void connectionErrorsAreRetriedAndCounted() throws IOException {
        int closedPort;
        try (java.net.ServerSocket gone = new java.net.ServerSocket(0, 1, java.net.InetAddress.ofLiteral("127.0.0.1"))) {
            closedPort = gone.getLocalPort();
        }
        try (HttpDownloader downloader = downloader("HLSFLEET_DOWNLOAD_ATTEMPTS", "2")) {
            Throwable thrown = catchThrowable(() -> downloader.download(
                    URI.create("http://127.0.0.1:" + closedPort + "/v.mp4"), dir.resolve("x"),
                    new Fixtures.RecordingContext()));
            assertThat(thrown).isInstanceOf(JobFailure.class);
            assertThat(((JobFailure) thrown).retryable()).isTrue();
            assertThat(((JobFailure) thrown).reason()).contains("could not reach");
        }
        assertThat(retries("connect")).isEqualTo(1);
    }

    @Test
    void capsConnectionsPerHost() throws Exception {
        origin.route("/v.mp4", (r, out) -> {
            ScriptedOrigin.head(out, 200, Map.of("Content-Length", Integer.toString(video.length)));
            out.write(video, 0, 1000);
            out.flush();
            Thread.sleep(200);
            out.write(video, 1000, video.length - 1000);
        });
        try (HttpDownloader downloader = downloader("HLSFLEET_DOWNLOAD_PER_HOST", "2");
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Path out = dir.resolve("p" + i);
                results.add(threads.submit(() -> download(downloader, "/v.mp4", out)));
            }
            for (Future<Long> result : results) {
                assertThat(result.get()).isEqualTo(video.length);
            }
        }
        assertThat(origin.requests()).hasSize(6);
        assertThat(origin.peakOpen()).isEqualTo(2);
        assertThat(registry.get("hlsfleet.download.inflight").gauge().value()).isZero();
        assertThat(registry.get("hlsfleet.download.ttfb").timer().count()).isEqualTo(6);
    }

}
