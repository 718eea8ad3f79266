package io.hlsfleet.download;

import io.hlsfleet.config.Settings;
import io.hlsfleet.config.StorageProperties;
import io.hlsfleet.storage.s3.S3Location;
import io.hlsfleet.storage.s3.S3Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Settings of the download stage as it uses them, made from {@link DownloadProperties}
 * ({@code HLSFLEET_DOWNLOAD_*}) and the S3 settings.
 *
 * @param connectTimeout {@code HLSFLEET_DOWNLOAD_CONNECT_TIMEOUT}: longest wait for a TCP (and TLS)
 *        connection, default 10 s
 * @param readTimeout {@code HLSFLEET_DOWNLOAD_READ_TIMEOUT}: longest silence while waiting for the
 *        response or for the next bytes of the body, default 60 s
 * @param totalTimeout {@code HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT}: longest one download may take, all
 *        attempts included, default 2 h; ends origins that drip a byte now and then
 * @param maxBytes {@code HLSFLEET_DOWNLOAD_MAX_BYTES}, default 20 GiB, enforced on the bytes
 *        received whatever the origin declares
 * @param perHost {@code HLSFLEET_DOWNLOAD_PER_HOST}: transfers in flight to one host and port
 *        from one worker, default 64
 * @param attempts {@code HLSFLEET_DOWNLOAD_ATTEMPTS}: tries inside the stage before the job is
 *        handed back to the queue, default 4
 * @param backoff {@code HLSFLEET_DOWNLOAD_BACKOFF}: first retry delay, doubled each time with full
 *        jitter, default 1 s
 * @param maxBackoff {@code HLSFLEET_DOWNLOAD_MAX_BACKOFF}: longest delay between two tries, and the
 *        longest {@code Retry-After} honoured in the stage, default 30 s
 * @param allowedNetworks {@code HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS}: comma-separated CIDRs that the
 *        SSRF guard lets through although they are private, loopback or otherwise internal;
 *        empty by default
 * @param s3 how {@code s3://} sources are read: the fleet's one S3 configuration ({@code HLSFLEET_S3_*}
 *        and the SDK's standard settings), the same the stores use
 * @param allowLocalFiles whether sources may be local paths; only {@code hlsfleet run} allows it
 * @param pages how URLs of web pages are resolved ({@link PageSettings})
 * @param s3Buckets {@code HLSFLEET_DOWNLOAD_S3_BUCKETS}: the buckets {@code s3://} sources may name;
 *        none by default, so the worker's credentials read nothing a submitter chooses
 * @param stagingBucket the staging bucket when staging is on S3 ({@code HLSFLEET_STAGING}): never a
 *        source, since it holds other jobs' files
 */
public record DownloadSettings(Duration connectTimeout, Duration readTimeout, Duration totalTimeout, long maxBytes,
        int perHost, int attempts, Duration backoff, Duration maxBackoff, List<String> allowedNetworks,
        S3Settings s3, boolean allowLocalFiles, PageSettings pages, List<String> s3Buckets,
        String stagingBucket) {

    public static final String ALLOWED_NETWORKS = "HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS";
    public static final String S3_BUCKETS = "HLSFLEET_DOWNLOAD_S3_BUCKETS";

    public DownloadSettings {
        allowedNetworks = List.copyOf(allowedNetworks);
        for (String cidr : allowedNetworks) {
            try {
                Cidr.parse(cidr);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ALLOWED_NETWORKS + ": " + e.getMessage(), e);
            }
        }
        s3Buckets = List.copyOf(s3Buckets);
        if (stagingBucket != null && s3Buckets.contains(stagingBucket)) {
            throw new IllegalArgumentException(S3_BUCKETS + " names the staging bucket '" + stagingBucket
                    + "', which holds other jobs' files and is never a source");
        }
        if (perHost < 1) {
            throw new IllegalArgumentException("HLSFLEET_DOWNLOAD_PER_HOST must be at least 1");
        }
        if (attempts < 1) {
            throw new IllegalArgumentException("HLSFLEET_DOWNLOAD_ATTEMPTS must be at least 1");
        }
    }

    /**
     * The stage's settings: {@code hlsfleet.download.*}, the S3 settings and the encoder's
     * height limit, which page resolution must not exceed.
     */
    public static DownloadSettings from(Settings settings, boolean allowLocalFiles) {
        DownloadProperties download = settings.bind(DownloadProperties.class);
        return new DownloadSettings(
                download.connectTimeout(),
                download.readTimeout(),
                download.totalTimeout(),
                download.maxBytes().toBytes(),
                download.perHost(),
                download.attempts(),
                download.backoff(),
                download.maxBackoff(),
                download.allowedNetworks(),
                S3Settings.from(settings),
                allowLocalFiles,
                PageSettings.from(download, settings),
                download.s3Buckets(),
                stagingBucket(settings.bind(StorageProperties.class).staging()));
    }

    private static String stagingBucket(String staging) {
        return staging.toLowerCase(Locale.ROOT).startsWith("s3://") ? S3Location.parse(staging).bucket() : null;
    }

    /**
     * Why {@code s3://bucket/…} may not be read, or {@code null} when it may: only the buckets of
     * {@code HLSFLEET_DOWNLOAD_S3_BUCKETS}, and never the staging bucket.
     */
    String s3Refusal(String bucket) {
        if (bucket.equals(stagingBucket)) {
            return "s3://" + bucket + " is the fleet's staging bucket, which is never a source";
        }
        if (!s3Buckets.contains(bucket)) {
            return "s3://" + bucket + " is not a source bucket; the operator lists those in " + S3_BUCKETS
                    + (s3Buckets.isEmpty() ? " (empty: no s3:// sources)" : " (" + String.join(",", s3Buckets) + ")");
        }
        return null;
    }

    /**
     * These settings with more networks opened to the SSRF guard; what the CLI's
     * {@code --allow-network CIDR} adds to the environment's list.
     */
    public DownloadSettings withAllowedNetworks(List<String> more) {
        List<String> all = new ArrayList<>(allowedNetworks);
        all.addAll(more);
        return new DownloadSettings(connectTimeout, readTimeout, totalTimeout, maxBytes, perHost, attempts, backoff,
                maxBackoff, all, s3, allowLocalFiles, pages, s3Buckets, stagingBucket);
    }

    List<Cidr> allowedCidrs() {
        return allowedNetworks.stream().map(Cidr::parse).toList();
    }
}
