package io.hlsfleet.download;

import io.hlsfleet.download.DownloadMetrics.RetryCause;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.net.GuardedDnsResolver;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.net.RefusedDestination;
import io.hlsfleet.net.SsrfGuard;
import io.hlsfleet.worker.HumanUnits;
import io.hlsfleet.worker.JobContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * Streams an http(s) source to a local file, safely and in great numbers.
 *
 * <p>Why Apache HttpClient 5 rather than the JDK client: the JDK client resolves host names itself
 * and offers no hook to pin a connection to an address that was checked, so a host could resolve
 * to a public address for the check and to 169.254.169.254 for the connection. HttpClient 5 asks a
 * {@link DnsResolver} for the addresses of every new connection and connects to exactly the list
 * it returns; ours ({@link SsrfGuard#resolve}) returns that list only after checking every entry.
 * TLS still sees the URL's host name, so SNI and certificate host-name verification work as usual.
 * Redirects are followed here, not by the client, so each hop goes through the same check.
 *
 * <p>Blocking I/O on virtual threads: a transfer waiting for bytes parks its virtual thread. The
 * socket timeout ends an origin that falls silent; a watchdog cancels the request when the total
 * deadline passes, which ends an origin that drips a byte just often enough to stay under it.
 */
public final class HttpDownloader implements AutoCloseable {

    static final int MAX_REDIRECTS = 5;

    /** Cancels transfers past their total deadline; a transfer that ends first removes its task at once. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private final DownloadSettings settings;
    private final SsrfGuard guard;
    private final DownloadMetrics metrics;
    private final CloseableHttpClient client;
    private final HostSlots hosts;

    public HttpDownloader(DownloadSettings settings) {
        this(settings, HostResolver.SYSTEM, DownloadMetrics.detached());
    }

    public HttpDownloader(DownloadSettings settings, HostResolver resolver, DownloadMetrics metrics) {
        this.settings = settings;
        this.guard = settings.guard(resolver);
        this.metrics = metrics;
        this.hosts = new HostSlots(settings.download().perHost());
        Timeout read = Timeout.of(settings.download().readTimeout());
        PoolingHttpClientConnectionManager connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new GuardedDnsResolver(guard))
                .setMaxConnPerRoute(settings.download().perHost())
                .setMaxConnTotal(Math.max(1024, settings.download().perHost() * 4))
                .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(read).setTcpNoDelay(true).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(settings.download().connectTimeout()))
                        .setSocketTimeout(read)
                        .build())
                .build();
        // No system properties: no proxy from the environment, and nothing but our resolver decides addresses.
        this.client = HttpClients.custom()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(Timeout.of(settings.download().connectTimeout()))
                        .setResponseTimeout(read)
                        .setRedirectsEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("hlsfleet-download")
                .build();
    }

    /**
     * Downloads {@code uri} into {@code target}, retrying passing faults inside the stage and
     * resuming where the origin allows it.
     *
     * @return the number of bytes in {@code target}
     * @throws JobFailure permanent for refused or bad input, retryable once the tries are spent
     */
    public long download(URI uri, Path target, JobContext context) throws JobFailure, InterruptedException {
        refuseByForm(uri);
        long started = System.nanoTime();
        long deadline = started + settings.download().totalTimeout().toNanos();
        BodySink sink = new BodySink(target, settings.download().maxBytes().toBytes(), context, metrics);
        Transfer transfer = new Transfer(uri, sink, deadline);
        metrics.started();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    transfer.attempt();
                    sink.finish();
                    metrics.completed(sink.written(), Duration.ofNanos(System.nanoTime() - started));
                    return sink.written();
                } catch (Retry retry) {
                    if (System.nanoTime() >= deadline) {
                        throw totalTimeout(sink, retry);
                    }
                    if (attempt >= settings.download().attempts()) {
                        throw JobFailure.retryable(retry.getMessage() + " (gave up after " + attempt + " tries)", retry);
                    }
                    Duration delay = retry.after != null ? retry.after : backoff(attempt);
                    if (delay.compareTo(settings.download().maxBackoff()) > 0) {
                        throw JobFailure.retryable(retry.getMessage() + "; the origin asked to wait "
                                + delay.toSeconds() + " s", retry);
                    }
                    long remaining = deadline - System.nanoTime();
                    if (delay.toNanos() >= remaining) {
                        throw totalTimeout(sink, retry);
                    }
                    metrics.retry(retry.cause);
                    Thread.sleep(delay);
                }
            }
        } finally {
            metrics.finished();
        }
    }

    private JobFailure totalTimeout(BodySink sink, Throwable cause) {
        return JobFailure.retryable("the download did not finish within " + HumanUnits.duration(settings.download().totalTimeout())
                + " (HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT); " + HumanUnits.mebibytes(sink.written()) + " received", cause);
    }

    /** Refuses {@code uri} by its form (scheme, host syntax, literal address), before any request. */
    void refuseByForm(URI uri) throws JobFailure {
        try {
            guard.checkUrl(uri);
        } catch (RefusedDestination e) {
            throw JobFailure.permanent(DownloadSettings.refusedUrl(uri, e.getMessage()), e);
        }
    }

    /** Exponential with jitter: a random delay between half and all of {@code backoff * 2^(attempt-1)}, capped. */
    Duration backoff(int attempt) {
        long ceiling = Math.min(settings.download().maxBackoff().toMillis(),
                settings.download().backoff().toMillis() << Math.min(attempt - 1, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, Math.max(ceiling, 1) + 1));
    }

    /** One download: its resume state survives between tries. */
    private final class Transfer {

        private final URI origin;
        private final BodySink sink;
        private final long deadline;
        /** Strong ETag or Last-Modified of the bytes on disk; resuming is tried only with one. */
        private String validator;

        Transfer(URI origin, BodySink sink, long deadline) {
            this.origin = origin;
            this.sink = sink;
            this.deadline = deadline;
        }

        void attempt() throws Retry, JobFailure, InterruptedException {
            URI current = origin;
            for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                URI next = hop(current);
                if (next == null) {
                    return;
                }
                refuseByForm(next);
                current = next;
            }
            throw JobFailure.permanent("more than " + MAX_REDIRECTS + " redirects starting at " + origin);
        }

        /** Requests {@code uri}; returns where it redirects to, or {@code null} once the body is on disk. */
        private URI hop(URI uri) throws Retry, JobFailure, InterruptedException {
            String host = hostKey(uri);
            if (!hosts.tryAcquire(host, deadline - System.nanoTime())) {
                throw new Retry(RetryCause.TIMEOUT, "waited too long for a connection slot to " + uri.getHost(), null);
            }
            HttpGet get = new HttpGet(uri);
            boolean resuming = sink.written() > 0 && validator != null;
            if (resuming) {
                get.setHeader("Range", "bytes=" + sink.written() + "-");
                get.setHeader("If-Range", validator);
            }
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(get::cancel, deadline - System.nanoTime(),
                    TimeUnit.NANOSECONDS);
            boolean responded = false;
            ClassicHttpResponse response = null;
            boolean complete = false;
            try {
                long sent = System.nanoTime();
                response = client.executeOpen(null, get, null);
                responded = true;
                int status = response.getCode();
                if (isRedirect(status)) {
                    return redirectTarget(uri, response);
                }
                metrics.firstByte(Duration.ofNanos(System.nanoTime() - sent));
                long expectedTotal = accept(uri, status, response, resuming);
                HttpEntity entity = response.getEntity();
                if (entity == null) {
                    throw JobFailure.permanent("the origin sent no body for " + uri);
                }
                try (InputStream body = entity.getContent()) {
                    sink.copy(body, expectedTotal);
                    if (expectedTotal >= 0 && sink.written() != expectedTotal) {
                        throw new Retry(RetryCause.BROKEN, "the origin sent " + sink.written() + " of "
                                + expectedTotal + " bytes", null);
                    }
                    complete = true;
                }
                return null;
            } catch (IOException e) {
                throw classify(uri, e, responded);
            } finally {
                watchdog.cancel(false);
                if (response != null) {
                    closeResponse(response, complete);
                }
                hosts.release(host);
            }
        }

        /**
         * Checks the status and headers of a final response and prepares the sink; returns the
         * expected size of the whole file, or -1 when the origin did not say.
         */
        private long accept(URI uri, int status, ClassicHttpResponse response, boolean resuming)
                throws Retry, JobFailure {
            if (status == 408) {
                throw new Retry(RetryCause.TIMEOUT, "the origin answered HTTP 408 for " + uri, retryAfter(response));
            }
            if (status == 429) {
                throw new Retry(RetryCause.STATUS_429, "the origin answered HTTP 429 (too many requests) for " + uri,
                        retryAfter(response));
            }
            if (status >= 500) {
                throw new Retry(RetryCause.STATUS_5XX, "the origin answered HTTP " + status + " for " + uri,
                        retryAfter(response));
            }
            if (status >= 400) {
                throw JobFailure.permanent("the origin answered HTTP " + status + " for " + uri);
            }
            if (status != 200 && status != 206) {
                throw JobFailure.permanent("the origin answered HTTP " + status + " for " + uri + ", expected 200");
            }
            long length = header(response, "Content-Length").map(HttpDownloader::parseLong).orElse(-1L);
            long total;
            if (status == 206) {
                long[] range = contentRange(header(response, "Content-Range").orElse(null));
                if (!resuming || range == null || range[0] != sink.written()) {
                    // An answer to a question we did not ask: start over without ranges.
                    sink.restart();
                    validator = null;
                    throw new Retry(RetryCause.BROKEN, "the origin sent an unexpected range for " + uri, null);
                }
                total = range[2] >= 0 ? range[2] : (length >= 0 ? sink.written() + length : -1);
            } else {
                sink.restart();
                total = length;
                validator = validator(response);
            }
            if (total > settings.download().maxBytes().toBytes()) {
                throw JobFailure.permanent("the source is " + total + " bytes, more than the limit of "
                        + settings.download().maxBytes().toBytes() + " (HLSFLEET_DOWNLOAD_MAX_BYTES)");
            }
            return total;
        }

        private Retry classify(URI uri, IOException e, boolean responded)
                throws JobFailure, InterruptedException {
            RefusedDestination refused = RefusedDestination.causeOf(e);
            if (refused != null) {
                throw JobFailure.permanent(DownloadSettings.refusedUrl(uri, refused.getMessage()), refused);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("download of " + uri + " interrupted");
            }
            if (System.nanoTime() >= deadline) {
                throw totalTimeout(sink, e);
            }
            if (e instanceof SSLException) {
                throw JobFailure.permanent("TLS with " + uri.getHost() + " failed: " + e.getMessage(), e);
            }
            String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e instanceof ConnectTimeoutException || (!responded && e instanceof SocketTimeoutException)) {
                return new Retry(RetryCause.TIMEOUT, "no answer from " + uri.getHost() + " within "
                        + HumanUnits.duration(settings.download().readTimeout()) + ": " + detail, null);
            }
            if (e instanceof SocketTimeoutException) {
                return new Retry(RetryCause.TIMEOUT, uri.getHost() + " sent nothing for "
                        + HumanUnits.duration(settings.download().readTimeout()) + " (HLSFLEET_DOWNLOAD_READ_TIMEOUT) after "
                        + HumanUnits.mebibytes(sink.written()), null);
            }
            if (!responded && (e instanceof ConnectException || e instanceof UnknownHostException
                    || !(e instanceof InterruptedIOException))) {
                return new Retry(RetryCause.CONNECT, "could not reach " + uri.getHost() + ": " + detail, null);
            }
            return new Retry(RetryCause.BROKEN, "the transfer from " + uri.getHost() + " broke after "
                    + HumanUnits.mebibytes(sink.written()) + ": " + detail, null);
        }
    }

    private static void closeResponse(ClassicHttpResponse response, boolean complete) {
        if (response instanceof CloseableHttpResponse closeable) {
            // IMMEDIATE unless the body was read to its end: a graceful close would drain the rest.
            closeable.close(complete ? CloseMode.GRACEFUL : CloseMode.IMMEDIATE);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static URI redirectTarget(URI from, ClassicHttpResponse response) throws JobFailure {
        String location = header(response, "Location").orElseThrow(() ->
                JobFailure.permanent("the origin redirected " + from + " without saying where"));
        try {
            return from.resolve(new URI(location.strip()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw JobFailure.permanent("the origin redirected " + from + " to an invalid URL: " + location, e);
        }
    }

    private static java.util.Optional<String> header(ClassicHttpResponse response, String name) {
        Header header = response.getFirstHeader(name);
        return java.util.Optional.ofNullable(header).map(Header::getValue).map(String::strip);
    }

    /** A strong ETag, else Last-Modified: what {@code If-Range} accepts to resume safely. */
    private static String validator(ClassicHttpResponse response) {
        String etag = header(response, "ETag").orElse(null);
        if (etag != null && !etag.startsWith("W/") && etag.startsWith("\"")) {
            return etag;
        }
        return header(response, "Last-Modified").orElse(null);
    }

    /** Parses {@code bytes start-end/total} into {start, end, total (-1 for *)}; null if malformed. */
    static long[] contentRange(String value) {
        if (value == null || !value.toLowerCase(Locale.ROOT).startsWith("bytes ")) {
            return null;
        }
        try {
            String spec = value.substring(6).strip();
            int dash = spec.indexOf('-');
            int slash = spec.indexOf('/');
            long start = Long.parseLong(spec.substring(0, dash).strip());
            long end = Long.parseLong(spec.substring(dash + 1, slash).strip());
            String total = spec.substring(slash + 1).strip();
            return new long[] {start, end, total.equals("*") ? -1 : Long.parseLong(total)};
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(ClassicHttpResponse response) {
        return header(response, "Retry-After").map(HttpDownloader::parseRetryAfter).orElse(null);
    }

    static Duration parseRetryAfter(String value) {
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip())));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException ignored) {
                return null;
            }
        }
    }

    private static Long parseLong(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("hlsfleet-download-watchdog").factory());
        // Without this a cancelled task stays queued until its deadline (the 2 h total timeout by
        // default): one per finished transfer.
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** Watchdog tasks queued: one per transfer in flight, none for finished ones. */
    static int watchdogTasks() {
        return WATCHDOG.getQueue().size();
    }

    /** Hosts whose connection slots are tracked: only those with a transfer in flight or waiting. */
    int hostsInUse() {
        return hosts.hostsInUse();
    }

    private static String hostKey(URI uri) {
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":"
                + uri.getPort();
    }

    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL);
    }

    /** A passing fault worth another try: why, the metric cause, and the origin's Retry-After. */
    static final class Retry extends Exception {

        final RetryCause cause;
        final Duration after;

        Retry(RetryCause cause, String reason, Duration after) {
            super(reason);
            this.cause = cause;
            this.after = after;
        }
    }
}
