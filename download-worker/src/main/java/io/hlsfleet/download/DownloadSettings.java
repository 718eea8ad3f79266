package io.hlsfleet.download;

import io.hlsfleet.config.EncodeHeightProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.config.StorageProperties;
import io.hlsfleet.net.Cidr;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.net.SsrfGuard;
import io.hlsfleet.storage.s3.S3Location;
import io.hlsfleet.storage.s3.S3Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the download stage works with: its settings ({@link DownloadProperties},
 * {@code HLSFLEET_DOWNLOAD_*}, where each setting's name, default and check live) and what follows
 * from them and from the rest of the fleet's configuration.
 *
 * @param download {@code hlsfleet.download.*}
 * @param allowedNetworks the networks the SSRF guard lets through: those of
 *        {@code HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS} and any {@code hlsfleet run} adds
 * @param s3 how {@code s3://} sources are read: the fleet's one S3 configuration ({@code HLSFLEET_S3_*}
 *        and the SDK's standard settings), the same the stores use
 * @param allowLocalFiles whether sources may be local paths; only {@code hlsfleet run} allows it
 * @param encodeHeight the encoder's admission limit ({@code hlsfleet.encode.max-height}): page
 *        resolution never chooses a taller format
 * @param stagingBucket the staging bucket when staging is on S3 ({@code HLSFLEET_STAGING}): never a
 *        source, since it holds other jobs' files
 */
public record DownloadSettings(DownloadProperties download, List<String> allowedNetworks, S3Settings s3,
        boolean allowLocalFiles, EncodeHeightProperties encodeHeight, String stagingBucket) {

    public static final String ALLOWED_NETWORKS = DownloadProperties.ALLOWED_NETWORKS;
    public static final String S3_BUCKETS = "HLSFLEET_DOWNLOAD_S3_BUCKETS";

    public DownloadSettings {
        if (download.pageHeight() < 1 || encodeHeight.maxHeight() < 1) {
            throw new IllegalArgumentException("HLSFLEET_DOWNLOAD_PAGE_HEIGHT and HLSFLEET_ENCODE_MAX_HEIGHT must be"
                    + " positive");
        }
        allowedNetworks = DownloadProperties.checkedNetworks(allowedNetworks);
        if (stagingBucket != null && download.s3Buckets().contains(stagingBucket)) {
            throw new IllegalArgumentException(S3_BUCKETS + " names the staging bucket '" + stagingBucket
                    + "', which holds other jobs' files and is never a source");
        }
    }

    /**
     * The stage's settings: {@code hlsfleet.download.*}, the S3 settings and the encoder's
     * height limit, which page resolution must not exceed.
     */
    public static DownloadSettings from(Settings settings, boolean allowLocalFiles) {
        DownloadProperties download = settings.bind(DownloadProperties.class);
        return new DownloadSettings(
                download,
                download.allowedNetworks(),
                S3Settings.from(settings),
                allowLocalFiles,
                settings.bind(EncodeHeightProperties.class),
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
        List<String> s3Buckets = download.s3Buckets();
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
        return new DownloadSettings(download, all, s3, allowLocalFiles, encodeHeight, stagingBucket);
    }

    /** The download's SSRF guard: {@link #allowedNetworks} let through, refusals saying how to allow more. */
    SsrfGuard guard(HostResolver resolver) {
        return new SsrfGuard(allowedNetworks.stream().map(Cidr::parse).toList(), resolver,
                "only http, https and s3 URLs can be downloaded",
                range -> "set " + ALLOWED_NETWORKS + "=" + range + " (or pass --allow-network " + range + " to hlsfleet)");
    }

    /** A refusal message for a URL refused by form or by address. */
    static String refusedUrl(java.net.URI uri, String why) {
        return "refused to download " + uri + ": " + why;
    }
}
