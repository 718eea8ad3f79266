package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.config.Settings;
import io.hlsfleet.storage.KeyStore;
import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.testing.TinyLadder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code hlsfleet unpublish} finds of a video in a directory bucket, and the order it removes it in. */
class UnpublisherTest {

    @TempDir
    Path tmp;

    private RecordingBucket bucket;
    private Path keysDir;
    private KeyStore keys;
    private Path scratch;

    @BeforeEach
    void stores() throws Exception {
        bucket = new RecordingBucket(new LocalObjectStore(tmp.resolve("bucket")));
        keysDir = Files.createDirectories(tmp.resolve("keys"));
        keys = KeyStore.from(Settings.of(Map.of("HLSFLEET_ENCRYPTION", "aes-128",
                "HLSFLEET_ENCRYPTION_KEY_STORE", keysDir.toUri().toString(),
                "HLSFLEET_BUCKET", tmp.resolve("bucket").toUri().toString())));
        scratch = Files.createDirectories(tmp.resolve("scratch"));
    }

    private void publish(String videoId, String generation) throws Exception {
        Path ladder = TinyLadder.write(tmp.resolve("ladder-" + videoId + "-" + generation), 2);
        Files.writeString(ladder.resolve("master.m3u8"), "#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
        Path key = Files.write(tmp.resolve("key-" + generation), new byte[16]);
        new LadderPublisher(bucket, 2).publish(videoId, generation, ladder, scratch,
                () -> keys.publish(videoId, generation, key));
    }

    @Test
    void theMasterGoesFirstThenEveryGenerationLooseFileAndKey() throws Exception {
        publish("talk-1", "g1");
        publish("talk-1", "g2");
        // A file from before generations, beside the master.
        bucket.put("talk-1/legacy.ts", Files.write(tmp.resolve("legacy.ts"), new byte[10]),
                io.hlsfleet.storage.ContentTypes.of("legacy.ts"));
        publish("other-2", "g9");
        Unpublisher unpublisher = new Unpublisher(bucket, keys);

        Unpublisher.Plan plan = unpublisher.plan("talk-1");

        assertThat(plan.published()).isTrue();
        assertThat(plan.current()).isEqualTo("g2");
        assertThat(plan.generationNames()).containsExactly("g1", "g2");
        assertThat(plan.objects()).first().isEqualTo("talk-1/master.m3u8");
        // 2 generations of 2 * 2 + 3 files, and the loose file.
        assertThat(plan.objects()).hasSize(1 + 2 * 7 + 1).contains("talk-1/legacy.ts", "talk-1/g1/master.m3u8");
        assertThat(plan.keys()).containsExactly("talk-1/g1.key", "talk-1/g2.key");
        assertThat(bucket.deleted).as("planning removes nothing").isEmpty();

        Unpublisher.Result result = unpublisher.remove(plan);

        assertThat(result.republished()).isFalse();
        assertThat(result.leftovers()).isEmpty();
        assertThat(bucket.deleted).first().isEqualTo("talk-1/master.m3u8");
        assertThat(bucket.deleted).containsExactlyInAnyOrderElementsOf(plan.objects());
        assertThat(bucket.deletedWhileMasterExisted).isEmpty();
        assertThat(bucket.list("talk-1")).isEmpty();
        assertThat(keysDir.resolve("talk-1")).doesNotExist();
        assertThat(tmp.resolve("bucket/talk-1")).doesNotExist();
        // Another video is not touched.
        assertThat(bucket.list("other-2")).hasSize(8);
        assertThat(keysDir.resolve("other-2/g9.key")).exists();
    }

    @Test
    void aVideoWithoutMasterIsNotPublishedButItsLeftoversAreFound() throws Exception {
        Unpublisher unpublisher = new Unpublisher(bucket, null);
        assertThat(unpublisher.plan("never-1").published()).isFalse();
        assertThat(unpublisher.plan("never-1").objects()).isEmpty();

        publish("half-1", "g1");
        bucket.delete(List.of("half-1/master.m3u8"));
        Unpublisher.Plan leftovers = unpublisher.plan("half-1");
        assertThat(leftovers.published()).isFalse();
        assertThat(leftovers.objects()).hasSize(7).allMatch(key -> key.startsWith("half-1/g1/"));
    }

    @Test
    void aPublicationThatSwitchesTheMasterAfterItWentIsReportedAndItsGenerationKept() throws Exception {
        publish("race-1", "g1");
        Unpublisher unpublisher = new Unpublisher(bucket, keys);
        Unpublisher.Plan plan = unpublisher.plan("race-1");
        // A publication in flight switches the master to its own generation just after it was deleted.
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        bucket.afterDelete = () -> {
            if (bucket.deleted.contains("race-1/g1/master.m3u8") && once.compareAndSet(false, true)) {
                try {
                    publish("race-1", "g2");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };

        Unpublisher.Result result = unpublisher.remove(plan);

        assertThat(result.republished()).isTrue();
        assertThat(bucket.list("race-1")).extracting(o -> o.key()).allMatch(key -> key.equals("race-1/master.m3u8")
                || key.startsWith("race-1/g2/")).hasSize(8);
        assertThat(result.leftovers()).hasSize(7);
        assertThat(keysDir.resolve("race-1/g2.key")).exists();
        assertThat(keysDir.resolve("race-1/g1.key")).doesNotExist();
    }

    @Test
    void aMasterBackAtOnceStopsTheRemovalBeforeAnyGeneration() throws Exception {
        publish("race-3", "g1");
        Unpublisher unpublisher = new Unpublisher(bucket, keys);
        Unpublisher.Plan plan = unpublisher.plan("race-3");
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        bucket.afterDelete = () -> {
            if (once.compareAndSet(false, true)) {
                try {
                    publish("race-3", "g2");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };

        Unpublisher.Result result = unpublisher.remove(plan);

        assertThat(result.republished()).isTrue();
        assertThat(bucket.deleted).containsExactly("race-3/master.m3u8");
        assertThat(bucket.list("race-3")).hasSize(15);
        assertThat(keysDir.resolve("race-3/g1.key")).exists();
    }

    @Test
    void aPublicationWhoseMasterCameJustBeforeLeavesItsGenerationOver() throws Exception {
        publish("race-2", "g1");
        Unpublisher unpublisher = new Unpublisher(bucket, null);
        Unpublisher.Plan plan = unpublisher.plan("race-2");
        publish("race-2", "g2");

        Unpublisher.Result result = unpublisher.remove(plan);

        assertThat(result.republished()).isFalse();
        assertThat(result.leftovers()).hasSize(7).allMatch(key -> key.startsWith("race-2/g2/"));
        assertThat(unpublisher.plan("race-2").published()).isFalse();
    }

    @Test
    void idsThatCouldLeaveTheBucketAreRefused() {
        Unpublisher unpublisher = new Unpublisher(bucket, null);
        for (String id : List.of("../etc", "a/b", "", ".hidden")) {
            assertThatThrownBy(() -> unpublisher.plan(id)).as(id).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a video id");
        }
    }
}
