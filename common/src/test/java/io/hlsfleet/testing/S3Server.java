package io.hlsfleet.testing;

import io.hlsfleet.storage.s3.S3Settings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * A real S3 server for tests: S3Proxy on 127.0.0.1 with an in-memory blob store, speaking HTTP and
 * checking SigV4 signatures like S3 does. Worker processes started by a test reach it through
 * {@link #environment()}, the SDK's standard variables.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "hlsfleet-test";
    public static final String SECRET_KEY = "hlsfleet-test-secret";
    public static final Region REGION = Region.US_EAST_1;

    private final S3Proxy proxy;
    private final URI endpoint;
    private final S3Client admin;

    private S3Server(S3Proxy proxy, URI endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.admin = S3Client.builder().endpointOverride(endpoint).region(REGION).forcePathStyle(true)
                .credentialsProvider(credentials()).build();
    }

    public static S3Server start() throws Exception {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return new S3Server(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    public URI endpoint() {
        return endpoint;
    }

    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));

    public static StaticCredentialsProvider credentials() {
        return CREDENTIALS;
    }

    /** A client with full rights, for setting buckets up and checking what the code under test wrote. */
    public S3Client admin() {
        return admin;
    }

    public void createBucket(String bucket) {
        admin.createBucket(b -> b.bucket(bucket));
    }

    /** A bucket anyone may read over plain HTTP, as a CDN origin bucket is. */
    public void createPublicBucket(String bucket) {
        admin.createBucket(b -> b.bucket(bucket).acl(BucketCannedACL.PUBLIC_READ));
    }

    /** The plain HTTP URL of an object, path-style. */
    public URI objectUrl(String bucket, String key) {
        return endpoint.resolve("/" + bucket + "/" + key);
    }

    /** Settings of the stores under test, pointed at this server explicitly (the test JVM has no AWS_* variables). */
    public S3Settings settings(Path scratchRoot) {
        return settings(scratchRoot, 16L << 20, null);
    }

    /** Settings with a chosen multipart threshold (parts of 5 MiB) and canned ACL of published objects. */
    public S3Settings settings(Path scratchRoot, long multipartThreshold, ObjectCannedACL publishAcl) {
        return new S3Settings(true, 16, multipartThreshold, S3Settings.MIN_PART_SIZE, 3, 3, publishAcl, scratchRoot,
                endpoint, REGION, credentials());
    }

    /** The SDK's standard variables that point a worker process at this server. */
    public Map<String, String> environment() {
        return Map.of(
                "AWS_ENDPOINT_URL_S3", endpoint.toString(),
                "AWS_REGION", REGION.id(),
                "AWS_ACCESS_KEY_ID", ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
                "HLSFLEET_S3_PATH_STYLE", "true");
    }

    @Override
    public void close() throws Exception {
        admin.close();
        proxy.stop();
    }
}
