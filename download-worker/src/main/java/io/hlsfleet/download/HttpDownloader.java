package io.hlsfleet.download;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.worker.JobContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * Streams an http(s) source to a local file with the JDK HttpClient. The body goes straight to
 * disk in small buffers, so a download costs a few kilobytes of heap whatever the file's size, and
 * a blocked read parks a virtual thread, not a platform thread.
 */
public final class HttpDownloader {

    private static final int BUFFER = 64 * 1024;

    private final HttpClient client;
    private final DownloadSettings settings;

    public HttpDownloader(DownloadSettings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /** Downloads {@code uri} into {@code target}; returns the number of bytes written. */
    public long download(URI uri, Path target, JobContext context) throws JobFailure, InterruptedException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw JobFailure.permanent("only http and https URLs can be downloaded, not '" + scheme + ":'");
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(settings.readTimeout()).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw JobFailure.retryable("no answer from " + uri.getHost() + " within " + settings.readTimeout().toSeconds() + " s", e);
        } catch (IOException e) {
            throw JobFailure.retryable("could not reach " + uri.getHost() + ": " + e.getMessage(), e);
        }
        int status = response.statusCode();
        if (status >= 400) {
            closeQuietly(response.body());
            String reason = "the origin answered HTTP " + status + " for " + uri;
            if (status >= 500 || status == 408 || status == 429) {
                throw JobFailure.retryable(reason);
            }
            throw JobFailure.permanent(reason);
        }
        long expected = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (expected > settings.maxBytes()) {
            closeQuietly(response.body());
            throw JobFailure.permanent("the source is " + expected + " bytes, more than the limit of "
                    + settings.maxBytes() + " (HLSFLEET_DOWNLOAD_MAX_BYTES)");
        }
        return copy(response.body(), target, expected, context);
    }

    private long copy(InputStream body, Path target, long expected, JobContext context) throws JobFailure {
        long written = 0;
        long deadline = System.nanoTime() + settings.totalTimeout().toNanos();
        try (InputStream in = body; OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[BUFFER];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                written += read;
                if (written > settings.maxBytes()) {
                    throw JobFailure.permanent("the source is larger than the limit of " + settings.maxBytes()
                            + " bytes (HLSFLEET_DOWNLOAD_MAX_BYTES)");
                }
                if (System.nanoTime() > deadline) {
                    throw JobFailure.retryable("download took longer than " + settings.totalTimeout().toMinutes()
                            + " min (HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT)");
                }
                out.write(buffer, 0, read);
                context.progress(expected > 0 ? (double) written / expected : -1, mebibytes(written));
            }
        } catch (IOException e) {
            throw JobFailure.retryable("the transfer broke after " + written + " bytes: " + e.getMessage(), e);
        }
        if (expected >= 0 && written != expected) {
            throw JobFailure.retryable("the origin sent " + written + " of " + expected + " bytes");
        }
        return written;
    }

    static String mebibytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Nothing more to read from a response that is being rejected.
        }
    }

    /** For tests and shutdown. */
    Duration readTimeout() {
        return settings.readTimeout();
    }
}
