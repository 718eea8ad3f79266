package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of {@link ObjectStore}, written once and run against every implementation by a
 * subclass that says how to open one and how to read an object back: what the upload stage puts,
 * a player can read, whether the bucket is a mounted directory or S3. Every test gets a bucket
 * location of its own.
 */
public abstract class ObjectStoreContract {

    @TempDir
    protected Path tmp;

    private ObjectStore store;

    /** A new store on an empty location; {@code tmp} is the test's own folder for anything local it needs. */
    protected abstract ObjectStore newStore(Path tmp) throws Exception;

    /** The bytes the store holds as {@code key}, read past the store (the bucket's files, an S3 GET). */
    protected abstract byte[] read(String key) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore(tmp);
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    @Test
    void aPutObjectExistsWithTheFilesBytes() throws Exception {
        assertThat(store.exists("vid/360p/seg_00001.ts")).isFalse();
        Path segment = Files.write(tmp.resolve("segment"), new byte[] {1, 2, 3, 4});
        store.put("vid/360p/seg_00001.ts", segment, ContentTypes.of("seg_00001.ts"));
        assertThat(store.exists("vid/360p/seg_00001.ts")).isTrue();
        assertThat(read("vid/360p/seg_00001.ts")).containsExactly(1, 2, 3, 4);
        assertThat(store.exists("vid/360p")).as("a folder of objects is no object").isFalse();
    }

    @Test
    void putReplacesAnObjectWhole() throws Exception {
        store.put("vid/master.m3u8", Files.writeString(tmp.resolve("long"), "#EXTM3U\n#a long first version\n"),
                ContentTypes.of("master.m3u8"));
        store.put("vid/master.m3u8", Files.writeString(tmp.resolve("short"), "#EXTM3U\n"),
                ContentTypes.of("master.m3u8"));
        assertThat(new String(read("vid/master.m3u8"))).isEqualTo("#EXTM3U\n");
    }

    @Test
    void keysThatWouldLeaveTheBucketAreRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> store.put("../outside", file, ContentTypes.OTHER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("/etc/x", file, ContentTypes.OTHER))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSweepOfACleanBucketRemovesNothingPublished() throws Exception {
        store.put("vid/master.m3u8", Files.writeString(tmp.resolve("m"), "#EXTM3U\n"), ContentTypes.of("master.m3u8"));
        assertThat(store.sweep(Instant.now().plusSeconds(3600))).isZero();
        assertThat(store.exists("vid/master.m3u8")).isTrue();
    }

    @Test
    void aStoreCannotCopyFromAStagingAreaOnAnotherKindOfStorage() throws Exception {
        assertThat(store.canCopyFrom(new LocalStagingArea(tmp.resolve("local-staging")))).isFalse();
        assertThat(store.describe()).isNotBlank();
    }

    @Test
    void objectsUnderAPrefixAreListedReadAndDeleted() throws Exception {
        Instant before = Instant.now().minusSeconds(2);
        store.put("vid/g1/360p/seg_00000.ts", Files.write(tmp.resolve("s"), new byte[5]), ContentTypes.TS_SEGMENT);
        store.put("vid/g1/master.m3u8", Files.writeString(tmp.resolve("g"), "#EXTM3U\n"), ContentTypes.PLAYLIST);
        store.put("vid/master.m3u8", Files.writeString(tmp.resolve("m"), "#EXTM3U\ng1/360p/index.m3u8\n"),
                ContentTypes.PLAYLIST);
        store.put("video/master.m3u8", Files.writeString(tmp.resolve("n"), "#EXTM3U\n"), ContentTypes.PLAYLIST);

        assertThat(store.list("vid")).extracting(ObjectStore.StoredObject::key)
                .as("only what lies under the prefix as a folder").containsExactly("vid/g1/360p/seg_00000.ts",
                        "vid/g1/master.m3u8", "vid/master.m3u8");
        assertThat(store.list("vid/g1")).first().satisfies(object -> {
            assertThat(object.size()).isEqualTo(5);
            assertThat(object.lastModified()).isAfter(before).isBefore(Instant.now().plusSeconds(2));
        });
        assertThat(store.list("nothing-here")).isEmpty();
        assertThat(new String(store.read("vid/master.m3u8"))).isEqualTo("#EXTM3U\ng1/360p/index.m3u8\n");
        assertThatThrownBy(() -> store.read("vid/none.m3u8")).isInstanceOf(java.nio.file.NoSuchFileException.class);

        store.delete(java.util.List.of("vid/g1/360p/seg_00000.ts", "vid/g1/master.m3u8", "vid/g1/never-written.ts"));
        assertThat(store.list("vid")).extracting(ObjectStore.StoredObject::key).containsExactly("vid/master.m3u8");
        assertThat(store.list("vid/g1")).isEmpty();
        assertThat(store.exists("video/master.m3u8")).isTrue();
    }
}
