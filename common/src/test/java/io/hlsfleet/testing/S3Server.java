package io.hlsfleet.testing;

import io.hlsfleet.storage.s3.S3Integrity;
import io.hlsfleet.storage.s3.S3Settings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * A real S3 server for tests on 127.0.0.1, checking SigV4 signatures like S3 does: the current
 * S3Proxy in this JVM ({@link #start()}), or S3Proxy {@value #LEGACY_VERSION} as a process of its
 * own ({@link #startLegacy()}), which predates the SDK's flexible checksums and so stands for the
 * many stores that refuse their headers. Worker processes started by a test reach either through
 * {@link #environment()}, the SDK's standard variables.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "hlsfleet-test";
    public static final String SECRET_KEY = "hlsfleet-test-secret";
    public static final Region REGION = Region.US_EAST_1;
    /** The S3Proxy release that Maven copies into {@code target/s3proxy-legacy} (the parent POM names it too). */
    public static final String LEGACY_VERSION = "2.7.0";

    private final URI endpoint;
    private final StaticCredentialsProvider credentials;
    private final S3Client admin;
    private final AutoCloseable server;

    private S3Server(URI endpoint, AutoCloseable server) {
        this(endpoint, CREDENTIALS, server);
    }

    private S3Server(URI endpoint, StaticCredentialsProvider credentials, AutoCloseable server) {
        this.endpoint = endpoint;
        this.credentials = credentials;
        this.server = server;
        // The admin client sends only what every store accepts, so it works against every server.
        this.admin = S3Client.builder().endpointOverride(endpoint).region(REGION).forcePathStyle(true)
                .credentialsProvider(credentials)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(LegacyMd5Plugin.create())
                .build();
    }

    /** The current S3Proxy, in this JVM with an in-memory blob store. */
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
        return new S3Server(URI.create("http://127.0.0.1:" + proxy.getPort()), proxy::stop);
    }

    /**
     * S3Proxy {@value #LEGACY_VERSION} with an in-memory blob store, started from the jar the build
     * copied (system property {@code hlsfleet.legacyS3proxy}, else {@code target/s3proxy-legacy/s3proxy.jar})
     * on a free loopback port. Its log goes to a file beside its configuration.
     */
    public static S3Server startLegacy() throws Exception {
        Path jar = Path.of(System.getProperty("hlsfleet.legacyS3proxy", "target/s3proxy-legacy/s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no S3Proxy " + LEGACY_VERSION + " at " + jar.toAbsolutePath()
                    + "; the build copies it there in process-test-resources");
        }
        int port = FreePorts.pick();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path dir = Files.createTempDirectory("s3proxy-legacy");
        Path config = Files.writeString(dir.resolve("s3proxy.conf"), String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=transient",
                "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY,
                ""));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-jar", jar.toAbsolutePath().toString(),
                "--properties", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        AutoCloseable stop = () -> {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        };
        try {
            awaitListening(port, process, dir.resolve("s3proxy.log"));
        } catch (Exception e) {
            stop.close();
            throw e;
        }
        return new S3Server(endpoint, stop);
    }

    /** A server that runs anyway, such as the MinIO of {@link Brokers#s3()}; closing leaves it running. */
    public static S3Server attach(Brokers.S3Endpoint running) {
        return new S3Server(running.endpoint(), StaticCredentialsProvider.create(
                AwsBasicCredentials.create(running.accessKey(), running.secretKey())), () -> { });
    }

    private static void awaitListening(int port, Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy " + LEGACY_VERSION + " did not start on port " + port
                            + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")") + "; its log:\n"
                            + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));

    /** The credentials of S3Proxy, current or legacy. */
    public static StaticCredentialsProvider credentials() {
        return CREDENTIALS;
    }

    /** A client with full rights, for setting buckets up and checking what the code under test wrote. */
    public S3Client admin() {
        return admin;
    }

    /** Creates {@code bucket}; one this server already has is left as it is. */
    public void createBucket(String bucket) {
        try {
            admin.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException exists) {
            // A server shared by the test run (MinIO in a container) keeps buckets between tests.
        }
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
        return settings(scratchRoot, multipartThreshold, publishAcl, S3Integrity.CRC32);
    }

    /** Settings with a chosen multipart threshold, canned ACL and integrity mode. */
    public S3Settings settings(Path scratchRoot, long multipartThreshold, ObjectCannedACL publishAcl,
            S3Integrity integrity) {
        return new S3Settings(true, 16, multipartThreshold, S3Settings.MIN_PART_SIZE, 3, 3, publishAcl, scratchRoot,
                endpoint, REGION, credentials, integrity);
    }

    /** The SDK's standard variables that point a worker process at this server. */
    public Map<String, String> environment() {
        return Map.of(
                "AWS_ENDPOINT_URL_S3", endpoint.toString(),
                "AWS_REGION", REGION.id(),
                "AWS_ACCESS_KEY_ID", credentials.resolveCredentials().accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", credentials.resolveCredentials().secretAccessKey(),
                "HLSFLEET_S3_PATH_STYLE", "true");
    }

    @Override
    public void close() throws Exception {
        admin.close();
        server.close();
    }
}
