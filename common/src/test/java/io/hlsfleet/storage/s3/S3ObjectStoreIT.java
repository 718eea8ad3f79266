package io.hlsfleet.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.testing.FaultyFront;
import io.hlsfleet.testing.S3ServerExtension;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/** The S3 bucket against a real S3 server (S3Proxy) over HTTP with SigV4. */
class S3ObjectStoreIT {

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("cdn");

    @TempDir
    Path tmp;

    private S3ObjectStore store(String location) {
        return new S3ObjectStore(S3Location.parse(location), S3.server().settings(tmp.resolve("scratch")));
    }

    private HeadObjectResponse head(String key) {
        return S3.server().admin().headObject(b -> b.bucket("cdn").key(key));
    }

    private Path file(String name, int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return Files.write(tmp.resolve(name), bytes);
    }

    @Test
    void putWritesTheObjectWithContentTypeAndCacheControlOfItsKind() throws Exception {
        try (S3ObjectStore store = store("s3://cdn/videos")) {
            assertThat(store.exists("vid/master.m3u8")).isFalse();
            for (String name : new String[] {"master.m3u8", "seg_00001.ts", "seg_1.m4s", "init.mp4"}) {
                store.put("vid/" + name, file(name, 1000), ContentTypes.of(name));
                HeadObjectResponse head = head("videos/vid/" + name);
                assertThat(head.contentType()).as(name).isEqualTo(ContentTypes.of(name).contentType());
                assertThat(head.cacheControl()).as(name).isEqualTo(ContentTypes.of(name).cacheControl());
                assertThat(head.contentLength()).isEqualTo(1000);
            }
            assertThat(store.exists("vid/master.m3u8")).isTrue();
            assertThat(head("videos/vid/seg_00001.ts").cacheControl()).contains("immutable");
            assertThat(store.describe()).isEqualTo("s3://cdn/videos");
        }
    }

    @Test
    void putReplacesAnObjectWhole() throws Exception {
        try (S3ObjectStore store = store("s3://cdn")) {
            store.put("vid/a.ts", file("one", 2000), ContentTypes.TS_SEGMENT);
            store.put("vid/a.ts", file("two", 100), ContentTypes.TS_SEGMENT);
            assertThat(S3.server().admin().getObjectAsBytes(b -> b.bucket("cdn").key("vid/a.ts")).asByteArray())
                    .isEqualTo(Files.readAllBytes(tmp.resolve("two")));
        }
    }

    @Test
    void largeObjectsGoUpInPartsAndArriveIntact() throws Exception {
        S3Settings settings = S3.server().settings(tmp.resolve("scratch"), S3Settings.MIN_PART_SIZE, null);
        try (S3ObjectStore store = new S3ObjectStore(S3Location.parse("s3://cdn"), settings)) {
            Path big = file("big.ts", (int) (2 * S3Settings.MIN_PART_SIZE + 12345));
            store.put("vid/big.ts", big, ContentTypes.TS_SEGMENT);
            HeadObjectResponse head = head("vid/big.ts");
            // A multipart object's ETag ends in the number of its parts.
            assertThat(head.eTag()).endsWith("-3\"");
            assertThat(head.contentType()).isEqualTo("video/mp2t");
            assertThat(head.cacheControl()).isEqualTo(ContentTypes.TS_SEGMENT.cacheControl());
            assertThat(S3.server().admin().getObjectAsBytes(b -> b.bucket("cdn").key("vid/big.ts")).asByteArray())
                    .isEqualTo(Files.readAllBytes(big));
            assertThat(S3.server().admin().listMultipartUploads(b -> b.bucket("cdn")).uploads()).isEmpty();
        }
    }

    @Test
    void aFailedUploadIsReportedWithTheObjectsName() throws Exception {
        try (S3ObjectStore store = store("s3://no-such-bucket/x")) {
            assertThatThrownBy(() -> store.put("vid/a.ts", file("a.ts", 10), ContentTypes.TS_SEGMENT))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("s3://no-such-bucket/x/vid/a.ts");
        }
    }

    private S3Settings through(FaultyFront front, int maxAttempts) {
        S3Settings base = S3.server().settings(tmp.resolve("scratch"));
        return new S3Settings(true, 4, base.multipartThreshold(), base.partSize(), 1, maxAttempts, null,
                base.scratchRoot(), front.endpoint(), base.region(), base.credentials(), base.integrity());
    }

    @Test
    void throttlingAndServerErrorsAreRetried() throws Exception {
        try (FaultyFront front = new FaultyFront(S3.server().endpoint(), 2);
             S3ObjectStore store = new S3ObjectStore(S3Location.parse("s3://cdn/retried"), through(front, 4))) {
            store.put("vid/seg_1.ts", file("seg", 5000), ContentTypes.TS_SEGMENT);
            assertThat(front.failed()).isEqualTo(2);
            assertThat(head("retried/vid/seg_1.ts").contentLength()).isEqualTo(5000);
        }
    }

    @Test
    void aServerThatKeepsRefusingFailsTheUploadOnceTheAttemptsRunOut() throws Exception {
        try (FaultyFront front = new FaultyFront(S3.server().endpoint(), 100);
             S3ObjectStore store = new S3ObjectStore(S3Location.parse("s3://cdn/refused"), through(front, 2))) {
            assertThatThrownBy(() -> store.put("vid/seg_1.ts", file("seg", 5000), ContentTypes.TS_SEGMENT))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("s3://cdn/refused/vid/seg_1.ts")
                    .hasMessageContaining("503");
            assertThat(front.failed()).isEqualTo(2);
        }
    }

    @Test
    void keysThatWouldLeaveThePrefixAreRefused() throws Exception {
        try (S3ObjectStore store = store("s3://cdn/videos")) {
            Path file = file("f", 10);
            assertThatThrownBy(() -> store.put("../outside", file, ContentTypes.OTHER))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.put("/etc/x", file, ContentTypes.OTHER))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(S3.server().admin().listObjectsV2(b -> b.bucket("cdn").prefix("outside")).contents()).isEmpty();
        }
    }

    /**
     * Keys go to a private store ({@link io.hlsfleet.storage.Stores#privateStore}, the bucket's
     * settings without their ACL): {@code HLSFLEET_S3_ACL=public-read} publishes ladders, never keys.
     */
    @Test
    void aPrivateStoreIgnoresTheBucketsCannedAcl() throws Exception {
        S3Settings publicRead = S3.server().settings(tmp.resolve("scratch"), 16L << 20, ObjectCannedACL.PUBLIC_READ);
        ObjectStore keys = new S3ObjectStore(S3Location.parse("s3://cdn/keys"), publicRead.withoutAcl());
        ObjectStore bucket = new S3ObjectStore(S3Location.parse("s3://cdn/open-ladders"), publicRead);
        keys.put("vid.key", file("k", 16), ContentTypes.KEY);
        bucket.put("vid/master.m3u8", file("m", 10), ContentTypes.PLAYLIST);
        HttpClient http = HttpClient.newHttpClient();
        assertThat(http.send(HttpRequest.newBuilder(S3.server().objectUrl("cdn", "open-ladders/vid/master.m3u8")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).as("the ladder, with the bucket's ACL").isEqualTo(200);
        assertThat(http.send(HttpRequest.newBuilder(S3.server().objectUrl("cdn", "keys/vid.key")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).as("the key, anonymously").isEqualTo(403);
        assertThat(head("keys/vid.key").contentLength()).isEqualTo(16);
    }

    @Test
    void aCannedAclMakesPublishedObjectsReadableOverPlainHttp() throws Exception {
        S3Settings settings = S3.server().settings(tmp.resolve("scratch"), 16L << 20, ObjectCannedACL.PUBLIC_READ);
        try (S3ObjectStore open = new S3ObjectStore(S3Location.parse("s3://cdn/open"), settings);
             S3ObjectStore closed = store("s3://cdn/closed")) {
            open.put("vid/master.m3u8", file("m", 10), ContentTypes.PLAYLIST);
            closed.put("vid/master.m3u8", file("m", 10), ContentTypes.PLAYLIST);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<byte[]> readable = http.send(HttpRequest.newBuilder(
                    S3.server().objectUrl("cdn", "open/vid/master.m3u8")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(readable.statusCode()).isEqualTo(200);
            assertThat(readable.headers().firstValue("Content-Type")).hasValue("application/vnd.apple.mpegurl");
            HttpResponse<byte[]> refused = http.send(HttpRequest.newBuilder(
                    S3.server().objectUrl("cdn", "closed/vid/master.m3u8")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(refused.statusCode()).isEqualTo(403);
        }
    }
}
