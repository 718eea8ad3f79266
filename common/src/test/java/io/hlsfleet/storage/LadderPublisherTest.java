package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LadderPublisherTest {

    @TempDir
    Path tmp;

    /** A real local bucket that also records the order in which objects were written. */
    private static final class RecordingBucket implements ObjectStore {
        final LocalObjectStore delegate;
        final List<String> order = new CopyOnWriteArrayList<>();

        RecordingBucket(Path root) throws IOException {
            delegate = new LocalObjectStore(root);
        }

        @Override
        public void put(String key, Path file, ContentTypes.Kind kind) throws IOException {
            delegate.put(key, file, kind);
            order.add(key);
        }

        @Override
        public boolean exists(String key) {
            return delegate.exists(key);
        }

        @Override
        public int sweep(Instant cutoff) throws IOException {
            return delegate.sweep(cutoff);
        }

        @Override
        public String describe() {
            return delegate.describe();
        }
    }

    private Path ladder() throws IOException {
        Path dir = tmp.resolve("ladder");
        for (String variant : List.of("360p", "720p")) {
            Files.createDirectories(dir.resolve(variant));
            Files.writeString(dir.resolve(variant + "/index.m3u8"), "#EXTM3U\n");
            for (int i = 0; i < 5; i++) {
                Files.write(dir.resolve(variant + "/seg_0000" + i + ".ts"), new byte[1000 + i]);
            }
        }
        // Audio and subtitle renditions sit in folders two levels down.
        Files.createDirectories(dir.resolve("audio/a0"));
        Files.writeString(dir.resolve("audio/a0/index.m3u8"), "#EXTM3U\n");
        Files.write(dir.resolve("audio/a0/seg_00000.ts"), new byte[100]);
        Files.createDirectories(dir.resolve("subs/s0"));
        Files.writeString(dir.resolve("subs/s0/index.m3u8"), "#EXTM3U\n");
        Files.writeString(dir.resolve("subs/s0/seg_00000.vtt"), "WEBVTT\n");
        Files.writeString(dir.resolve("master.m3u8"), "#EXTM3U\n");
        return dir;
    }

    @Test
    void masterIsWrittenLastAfterEveryOtherObject() throws Exception {
        RecordingBucket bucket = new RecordingBucket(tmp.resolve("bucket"));
        LadderPublisher publisher = new LadderPublisher(bucket, 4);
        assertThat(publisher.isPublished("vid-1")).isFalse();
        publisher.publish("vid-1", ladder());
        assertThat(bucket.order).hasSize(17).last().isEqualTo("vid-1/master.m3u8");
        assertThat(bucket.order).contains("vid-1/audio/a0/seg_00000.ts", "vid-1/subs/s0/seg_00000.vtt");
        assertThat(publisher.isPublished("vid-1")).isTrue();
        assertThat(Files.size(tmp.resolve("bucket/vid-1/720p/seg_00004.ts"))).isEqualTo(1004);
    }

    @Test
    void publishingTwiceOverwritesTheSameKeys() throws Exception {
        RecordingBucket bucket = new RecordingBucket(tmp.resolve("bucket"));
        LadderPublisher publisher = new LadderPublisher(bucket, 2);
        Path ladder = ladder();
        publisher.publish("vid-1", ladder);
        publisher.publish("vid-1", ladder);
        try (var files = Files.walk(tmp.resolve("bucket"))) {
            assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(17);
        }
    }

    @Test
    void aLadderWithoutMasterIsRefused() throws Exception {
        Path ladder = ladder();
        Files.delete(ladder.resolve("master.m3u8"));
        LadderPublisher publisher = new LadderPublisher(new LocalObjectStore(tmp.resolve("bucket")), 2);
        assertThatThrownBy(() -> publisher.publish("vid-1", ladder)).hasMessageContaining("master.m3u8");
        assertThat(publisher.isPublished("vid-1")).isFalse();
    }

    @Test
    void keysCannotLeaveTheBucket() throws Exception {
        LocalObjectStore bucket = new LocalObjectStore(tmp.resolve("bucket"));
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> bucket.put("../outside", file, ContentTypes.OTHER)).hasMessageContaining("leaves");
        assertThatThrownBy(() -> bucket.put("/etc/x", file, ContentTypes.OTHER)).hasMessageContaining("leaves");
    }

    @Test
    void contentTypesPerFile() {
        assertThat(ContentTypes.of("master.m3u8").contentType()).isEqualTo("application/vnd.apple.mpegurl");
        assertThat(ContentTypes.of("seg_00001.ts").contentType()).isEqualTo("video/mp2t");
        assertThat(ContentTypes.of("seg_00001.ts").cacheControl()).contains("immutable");
        assertThat(ContentTypes.of("init.mp4").contentType()).isEqualTo("video/mp4");
        assertThat(ContentTypes.of("seg_1.m4s").contentType()).isEqualTo("video/iso.segment");
        assertThat(ContentTypes.of("seg_00001.vtt").contentType()).isEqualTo("text/vtt; charset=utf-8");
        assertThat(ContentTypes.of("seg_00001.vtt").cacheControl()).contains("immutable");
    }
}
