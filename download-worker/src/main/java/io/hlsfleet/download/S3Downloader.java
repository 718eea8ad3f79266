package io.hlsfleet.download;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.storage.s3.S3Failures;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.HumanUnits;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.function.Supplier;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Streams {@code s3://bucket/key} to a local file with the AWS SDK. Endpoint, region and
 * credentials come from the SDK's standard environment ({@code AWS_ENDPOINT_URL_S3},
 * {@code AWS_REGION}, {@code AWS_ACCESS_KEY_ID}, ...), that is from the operator, never from the
 * job; the job chooses only bucket and key, and the bucket must be one the operator lists as a
 * source ({@link DownloadSettings#s3Refusal}). Size limit and content sniffing are the same as for
 * HTTP.
 */
final class S3Downloader implements AutoCloseable {

    private final Supplier<S3Client> factory;
    private final DownloadSettings settings;
    private final long maxBytes;
    private final DownloadMetrics metrics;
    private S3Client client;

    S3Downloader(Supplier<S3Client> factory, DownloadSettings settings, DownloadMetrics metrics) {
        this.factory = factory;
        this.settings = settings;
        this.maxBytes = settings.download().maxBytes().toBytes();
        this.metrics = metrics;
    }

    long download(URI uri, Path target, JobContext context) throws JobFailure {
        String bucket = uri.getAuthority();
        String key = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (bucket == null || bucket.isEmpty() || key.isEmpty()) {
            throw JobFailure.permanent("'" + uri + "' is not of the form s3://bucket/key");
        }
        String refusal = settings.s3Refusal(bucket);
        if (refusal != null) {
            throw JobFailure.permanent(refusal);
        }
        BodySink sink = new BodySink(target, maxBytes, context, metrics);
        long started = System.nanoTime();
        metrics.started();
        ResponseInputStream<GetObjectResponse> in = null;
        boolean complete = false;
        try {
            in = client().getObject(GetObjectRequest.builder().bucket(bucket).key(key).build());
            metrics.firstByte(java.time.Duration.ofNanos(System.nanoTime() - started));
            Long length = in.response().contentLength();
            if (length != null && length > maxBytes) {
                throw JobFailure.permanent("the source is " + length + " bytes, more than the limit of " + maxBytes
                        + " (HLSFLEET_DOWNLOAD_MAX_BYTES)");
            }
            sink.copy(in, length == null ? -1 : length);
            sink.finish();
            complete = true;
            metrics.completed(sink.written(), java.time.Duration.ofNanos(System.nanoTime() - started));
            return sink.written();
        } catch (NoSuchKeyException | NoSuchBucketException e) {
            throw JobFailure.permanent("there is no object " + uri, e);
        } catch (S3Exception e) {
            String reason = "S3 answered HTTP " + e.statusCode() + " for " + uri + ": "
                    + e.awsErrorDetails().errorMessage();
            throw S3Failures.refused(e) ? JobFailure.permanent(reason, e) : JobFailure.retryable(reason, e);
        } catch (SdkClientException e) {
            throw JobFailure.retryable("could not read " + uri + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw JobFailure.retryable("the transfer of " + uri + " broke after " + HumanUnits.mebibytes(
                    sink.written()) + ": " + e.getMessage(), e);
        } finally {
            metrics.finished();
            if (in != null) {
                if (!complete) {
                    // Closing would drain the rest of the object; abort drops the connection instead.
                    in.abort();
                }
                closeQuietly(in);
            }
        }
    }

    private synchronized S3Client client() {
        if (client == null) {
            client = factory.get();
        }
        return client;
    }

    private static void closeQuietly(ResponseInputStream<GetObjectResponse> in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // The object is on disk or the attempt has failed already; nothing more to learn here.
        }
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
    }
}
