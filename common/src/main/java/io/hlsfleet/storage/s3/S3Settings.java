package io.hlsfleet.storage.s3;

import io.hlsfleet.config.Settings;
import io.hlsfleet.config.StorageProperties;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * How the fleet talks to S3-compatible storage. Endpoint, region and credentials are the SDK's own
 * standard configuration ({@code AWS_ENDPOINT_URL_S3} or {@code AWS_ENDPOINT_URL},
 * {@code AWS_REGION}, {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, profiles, instance
 * roles), so an operator configures the fleet as any other S3 tool; only what the SDK has no
 * standard name for is read from {@code HLSFLEET_S3_*}.
 *
 * @param pathStyle {@code HLSFLEET_S3_PATH_STYLE}: address buckets as {@code host/bucket} (MinIO, Ceph, S3Proxy)
 * @param maxConnections {@code HLSFLEET_S3_MAX_CONNECTIONS}: connection pool size of one client
 * @param multipartThreshold {@code HLSFLEET_S3_MULTIPART_THRESHOLD}: objects larger than this go multipart
 * @param partSize {@code HLSFLEET_S3_PART_SIZE}: size of one part of a multipart upload (at least 5 MiB)
 * @param partConcurrency {@code HLSFLEET_S3_PART_CONCURRENCY}: parts of one object uploaded at once
 * @param maxAttempts {@code HLSFLEET_S3_MAX_ATTEMPTS}: attempts per request; 5xx, throttling and broken connections are retried
 * @param publishAcl {@code HLSFLEET_S3_ACL}: canned ACL of published objects, such as {@code public-read} for a
 *     bucket that serves players directly; {@code null} sets none (buckets with ACLs disabled refuse any)
 * @param scratchRoot {@code HLSFLEET_SCRATCH}: local scratch directory of S3 staging
 * @param endpoint an explicit endpoint; {@code null} leaves it to the SDK's standard configuration
 * @param region an explicit region; {@code null} means the SDK's, or {@code us-east-1} if it has none
 * @param credentials explicit credentials; {@code null} means the SDK's default provider chain
 * @param integrity {@code HLSFLEET_S3_INTEGRITY}: how puts and parts are protected, see {@link S3Integrity}
 */
public record S3Settings(
        boolean pathStyle,
        int maxConnections,
        long multipartThreshold,
        long partSize,
        int partConcurrency,
        int maxAttempts,
        ObjectCannedACL publishAcl,
        Path scratchRoot,
        URI endpoint,
        Region region,
        AwsCredentialsProvider credentials,
        S3Integrity integrity) {

    /** The same settings with no canned ACL: for objects only the fleet may read, such as keys. */
    public S3Settings withoutAcl() {
        return new S3Settings(pathStyle, maxConnections, multipartThreshold, partSize, partConcurrency, maxAttempts,
                null, scratchRoot, endpoint, region, credentials, integrity);
    }

    /** S3's smallest part size (except the last part). */
    public static final long MIN_PART_SIZE = 5L << 20;

    public S3Settings {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("HLSFLEET_S3_PART_SIZE must be at least 5m, S3's smallest part");
        }
        if (multipartThreshold < partSize) {
            throw new IllegalArgumentException("HLSFLEET_S3_MULTIPART_THRESHOLD must be at least HLSFLEET_S3_PART_SIZE");
        }
        Objects.requireNonNull(integrity, "integrity");
        if (maxConnections < 1 || partConcurrency < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException(
                    "HLSFLEET_S3_MAX_CONNECTIONS, HLSFLEET_S3_PART_CONCURRENCY and HLSFLEET_S3_MAX_ATTEMPTS must be at least 1");
        }
    }

    /** The settings of {@code hlsfleet.s3.*}, with scratch space from {@code hlsfleet.scratch}. */
    public static S3Settings from(Settings settings) {
        S3Properties s3 = settings.bind(S3Properties.class);
        return new S3Settings(
                s3.pathStyle(),
                s3.maxConnections(),
                s3.multipartThreshold().toBytes(),
                s3.partSize().toBytes(),
                s3.partConcurrency(),
                s3.maxAttempts(),
                acl(s3.acl()),
                settings.bind(StorageProperties.class).scratchRoot(),
                null,
                null,
                null,
                S3Integrity.parse(s3.integrity()));
    }

    private static ObjectCannedACL acl(String value) {
        if (value == null) {
            return null;
        }
        ObjectCannedACL acl = ObjectCannedACL.fromValue(value.toLowerCase(java.util.Locale.ROOT));
        if (acl == ObjectCannedACL.UNKNOWN_TO_SDK_VERSION) {
            throw new IllegalArgumentException("HLSFLEET_S3_ACL=" + value + " is not a canned ACL (examples: public-read, private)");
        }
        return acl;
    }

    /**
     * True if a client of {@code other} talks to the same server with the same identity as one of
     * these settings, so that objects one can read the other can copy server-side.
     */
    public boolean sameServer(S3Settings other) {
        return pathStyle == other.pathStyle && Objects.equals(endpoint, other.endpoint)
                && Objects.equals(region, other.region) && Objects.equals(credentials, other.credentials);
    }

    /**
     * A client for these settings. Its connection pool is sized for the parallel uploads of a
     * ladder plus the parts of a multipart upload; retries use the SDK's standard strategy
     * (exponential backoff with jitter, retry quota), which covers 5xx answers, throttling
     * ({@code SlowDown}, 429) and broken connections. Checksums follow {@link #integrity}.
     */
    public S3Client client() {
        S3ClientBuilder builder = S3Client.builder()
                .forcePathStyle(pathStyle)
                .region(region != null ? region : defaultRegion())
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(maxConnections)
                        .connectionAcquisitionTimeout(Duration.ofMinutes(2)))
                .overrideConfiguration(o -> o.retryStrategy(
                        AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build()));
        integrity.configure(builder);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        return builder.build();
    }

    /**
     * The region of the SDK's standard configuration; S3-compatible servers usually ignore the
     * region but SigV4 needs one, so {@code us-east-1} stands in when none is configured.
     */
    static Region defaultRegion() {
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException none) {
            return Region.US_EAST_1;
        }
    }
}
