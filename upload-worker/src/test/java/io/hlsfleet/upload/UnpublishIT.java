package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.s3.S3Location;
import io.hlsfleet.storage.s3.S3ObjectStore;
import io.hlsfleet.testing.S3ServerExtension;
import io.hlsfleet.testing.TinyLadder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * Unpublishing on the real stores, a directory bucket and the S3 server: a video published twice
 * by the upload stage's publisher (two generations) is removed whole, its master before anything
 * else, and no object of it was deleted while the master still existed; another video stays.
 */
class UnpublishIT {

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("cdn");

    @TempDir
    Path tmp;

    private ObjectStore store(String kind) throws Exception {
        return switch (kind) {
            case "directory" -> new LocalObjectStore(tmp.resolve("bucket"));
            case "s3" -> new S3ObjectStore(S3Location.parse("s3://cdn/" + UUID.randomUUID()),
                    S3.server().settings(tmp.resolve("s3-scratch")));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private void publish(RecordingBucket bucket, String videoId, String generation) throws Exception {
        Path ladder = TinyLadder.write(tmp.resolve("ladder-" + videoId + "-" + generation), 3);
        Files.writeString(ladder.resolve("master.m3u8"), "#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
        new LadderPublisher(bucket, 4).publish(videoId, generation, ladder,
                Files.createDirectories(tmp.resolve("scratch")), LadderPublisher.BeforeSwitch.NOTHING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"directory", "s3"})
    void aPublishedVideoIsRemovedWholeMasterFirst(String kind) throws Exception {
        RecordingBucket bucket = new RecordingBucket(store(kind));
        publish(bucket, "talk-3fa2b1c0", "0000000000000001");
        publish(bucket, "talk-3fa2b1c0", "0000000000000002");
        publish(bucket, "demo-77d1a0e2", "0000000000000003");
        List<String> before = bucket.list("talk-3fa2b1c0").stream().map(ObjectStore.StoredObject::key).toList();
        // Two generations of 2 * 3 + 3 files each, and the master.
        assertThat(before).hasSize(19).contains("talk-3fa2b1c0/master.m3u8");

        Unpublisher unpublisher = new Unpublisher(bucket, null);
        Unpublisher.Plan plan = unpublisher.plan("talk-3fa2b1c0");
        assertThat(plan.objects()).containsExactlyInAnyOrderElementsOf(before).first()
                .isEqualTo("talk-3fa2b1c0/master.m3u8");
        Unpublisher.Result result = unpublisher.remove(plan);

        assertThat(result.republished()).isFalse();
        assertThat(bucket.deleted).first().isEqualTo("talk-3fa2b1c0/master.m3u8");
        assertThat(bucket.deleted).containsExactlyInAnyOrderElementsOf(before);
        assertThat(bucket.deletedWhileMasterExisted).isEmpty();
        assertThat(bucket.list("talk-3fa2b1c0")).isEmpty();
        for (String key : before) {
            assertThat(bucket.exists(key)).as(key).isFalse();
        }
        assertThat(bucket.list("demo-77d1a0e2")).hasSize(10);
        assertThat(unpublisher.plan("talk-3fa2b1c0").published()).isFalse();
        if (kind.equals("s3")) {
            // Nothing of it is left on the server, under any prefix of the store.
            assertThat(S3.server().admin().listObjectsV2(ListObjectsV2Request.builder().bucket("cdn").build())
                    .contents()).noneMatch(o -> o.key().contains("talk-3fa2b1c0"));
        }
    }
}
