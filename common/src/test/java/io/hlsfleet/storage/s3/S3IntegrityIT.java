package io.hlsfleet.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.testing.S3Server;
import io.hlsfleet.testing.S3ServerExtension;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Upload integrity modes and refusals against two real S3 servers: the current S3Proxy, and
 * S3Proxy {@value S3Server#LEGACY_VERSION}, which refuses the SDK's flexible-checksum headers as
 * many on-premise and third-party stores do.
 */
class S3IntegrityIT {

    @RegisterExtension
    static final S3ServerExtension CURRENT = S3ServerExtension.current("staging", "cdn");

    @RegisterExtension
    static final S3ServerExtension LEGACY = S3ServerExtension.legacy("staging", "cdn");

    @TempDir
    Path tmp;

    private Path file(String name, int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return Files.write(tmp.resolve(name), bytes);
    }

    /** One small file and one large enough to go up in two parts. */
    private Path ladder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ladder"));
        Files.write(dir.resolve("index.m3u8"), "#EXTM3U\n".getBytes());
        Path big = file("big.ts", (int) (S3Settings.MIN_PART_SIZE + 4321));
        Files.move(big, dir.resolve("big.ts"));
        return dir;
    }

    /** Stores, fetches, publishes, copies and deletes; {@code anonymousReads}: the server honours canned ACLs (MinIO does not). */
    private void roundTrip(S3Server server, S3Integrity integrity, boolean anonymousReads) throws Exception {
        S3Settings settings = server.settings(tmp.resolve("scratch"), S3Settings.MIN_PART_SIZE,
                ObjectCannedACL.PUBLIC_READ, integrity);
        try (S3StagingArea staging = new S3StagingArea(S3Location.parse("s3://staging/" + integrity), settings);
             S3ObjectStore bucket = new S3ObjectStore(S3Location.parse("s3://cdn/" + integrity), settings)) {
            assertThat(staging.integrity()).startsWith(integrity.name().toLowerCase(java.util.Locale.ROOT));
            Path ladder = ladder();
            staging.store("job/ladder", ladder);
            Path fetched = staging.fetch("job/ladder", staging.newScratch("job"));
            for (String name : List.of("index.m3u8", "big.ts")) {
                assertThat(fetched.resolve(name)).hasSameBinaryContentAs(ladder.resolve(name));
                bucket.put("vid/" + name, ladder.resolve(name), ContentTypes.of(name));
                assertThat(server.admin().getObjectAsBytes(b -> b.bucket("cdn").key(integrity + "/vid/" + name))
                        .asByteArray()).isEqualTo(Files.readAllBytes(ladder.resolve(name)));
            }
            // The upload stage's server-side copy, with the published objects' ACL: players read them anonymously.
            bucket.copyFrom(staging, "job/ladder/index.m3u8", "copied/index.m3u8", ContentTypes.of("index.m3u8"));
            if (anonymousReads) {
                HttpResponse<byte[]> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        server.objectUrl("cdn", integrity + "/copied/index.m3u8")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(anonymous.statusCode()).isEqualTo(200);
                assertThat(anonymous.body()).isEqualTo(Files.readAllBytes(ladder.resolve("index.m3u8")));
                assertThat(anonymous.headers().firstValue("Content-Type")).hasValue("application/vnd.apple.mpegurl");
            }
            staging.delete("job");
            assertThat(server.admin().listObjectsV2(b -> b.bucket("staging").prefix(integrity + "/")).contents())
                    .extracting(S3Object::key).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(S3Integrity.class)
    void everyModeStoresFetchesAndDeletesOnTheCurrentServer(S3Integrity integrity) throws Exception {
        roundTrip(CURRENT.server(), integrity, true);
    }

    @ParameterizedTest
    @EnumSource(value = S3Integrity.class, names = {"MD5", "NONE"})
    void md5AndNoneWorkOnAStoreWithoutFlexibleChecksums(S3Integrity integrity) throws Exception {
        roundTrip(LEGACY.server(), integrity, true);
    }

    @ParameterizedTest
    @EnumSource(S3Integrity.class)
    void everyModeWorksOnMinioWhereDockerRunsIt(S3Integrity integrity) throws Exception {
        Optional<Brokers.S3Endpoint> minio = Brokers.s3();
        assumeTrue(minio.isPresent(), "MinIO runs only where Brokers found a Docker engine: " + Brokers.choice());
        try (S3Server server = S3Server.attach(minio.get())) {
            server.createBucket("staging");
            server.createBucket("cdn");
            roundTrip(server, integrity, false);
        }
    }

    @Test
    void aStoreWithoutFlexibleChecksumsRefusesTheDefaultAtOnceWithItsWordsAndTheSetting() throws Exception {
        S3Settings settings = LEGACY.server().settings(tmp.resolve("scratch"), S3Settings.MIN_PART_SIZE, null,
                S3Integrity.CRC32);
        try (S3ObjectStore bucket = new S3ObjectStore(S3Location.parse("s3://cdn/refused"), settings)) {
            // A small body: the server's answer reaches the client.
            assertRefusedQuickly(() -> bucket.put("vid/index.m3u8", file("small", 100), ContentTypes.of("index.m3u8")));
            // A large body: the server closes the connection while the client still sends, and
            // the store's words come from the same request asked again without a body.
            assertRefusedQuickly(() -> bucket.put("vid/seg.ts", file("large", 3 << 20), ContentTypes.of("seg.ts")));
            // Parts of a multipart upload are diagnosed the same way.
            assertRefusedQuickly(() -> bucket.put("vid/big.ts", file("parts", (int) S3Settings.MIN_PART_SIZE + 10),
                    ContentTypes.of("big.ts")));
        }
        assertThat(LEGACY.server().admin().listObjectsV2(b -> b.bucket("cdn").prefix("refused/")).contents())
                .as("nothing written, probes included").isEmpty();
    }

    private static void assertRefusedQuickly(org.assertj.core.api.ThrowableAssert.ThrowingCallable upload) {
        long started = System.nanoTime();
        assertThatThrownBy(upload)
                .isInstanceOf(S3RefusedException.class)
                .hasMessageContaining("NotImplemented")
                .hasMessageContaining("HLSFLEET_S3_INTEGRITY=md5")
                .satisfies(e -> assertThat(JobFailure.classify(e).retryable()).isFalse());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aRefusalNamesTheServersWordsAndTheSettingToChange() throws Exception {
        S3Settings good = CURRENT.server().settings(tmp.resolve("scratch"));
        S3Settings wrongSecret = new S3Settings(true, 4, good.multipartThreshold(), good.partSize(), 1, 5, null,
                good.scratchRoot(), good.endpoint(), good.region(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, "wrong")),
                S3Integrity.CRC32);
        try (S3ObjectStore noBucket = new S3ObjectStore(S3Location.parse("s3://no-such-bucket/x"), good);
             S3ObjectStore forbidden = new S3ObjectStore(S3Location.parse("s3://cdn/x"), wrongSecret)) {
            assertThatThrownBy(() -> noBucket.put("a.ts", file("a.ts", 10), ContentTypes.TS_SEGMENT))
                    .isInstanceOf(S3RefusedException.class)
                    .hasMessageContaining("s3://no-such-bucket/x/a.ts")
                    .hasMessageContaining("NoSuchBucket")
                    .hasMessageContaining("HLSFLEET_BUCKET");
            assertThatThrownBy(() -> forbidden.put("a.ts", file("b.ts", 10), ContentTypes.TS_SEGMENT))
                    .isInstanceOf(S3RefusedException.class)
                    .hasMessageContaining("HTTP 403")
                    .hasMessageContaining("AWS_SECRET_ACCESS_KEY");
        }
    }

    @Test
    void theSdksOwnSwitchTurnsCrc32OffAndTheModeSaysSo() throws Exception {
        System.setProperty("aws.requestChecksumCalculation", "when_required");
        try (S3ObjectStore bucket = new S3ObjectStore(S3Location.parse("s3://cdn/sdk-switch"),
                CURRENT.server().settings(tmp.resolve("scratch")))) {
            assertThat(bucket.integrity()).contains("puts and parts carry no checksum")
                    .contains("HLSFLEET_S3_INTEGRITY=md5");
        } finally {
            System.clearProperty("aws.requestChecksumCalculation");
        }
        try (S3ObjectStore bucket = new S3ObjectStore(S3Location.parse("s3://cdn/sdk-switch"),
                CURRENT.server().settings(tmp.resolve("scratch")))) {
            assertThat(bucket.integrity()).startsWith("crc32 (CRC32 checksum");
        }
    }
}
