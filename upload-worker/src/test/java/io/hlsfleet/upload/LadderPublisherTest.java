package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.storage.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LadderPublisherTest {

    @TempDir
    Path tmp;

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
        RecordingBucket bucket = new RecordingBucket(new LocalObjectStore(tmp.resolve("bucket")));
        LadderPublisher publisher = new LadderPublisher(bucket, 4);
        assertThat(publisher.isPublished("vid-1")).isFalse();
        publisher.publish("vid-1", ladder());
        assertThat(bucket.uploaded).hasSize(17).last().isEqualTo("vid-1/master.m3u8");
        assertThat(bucket.uploaded).contains("vid-1/audio/a0/seg_00000.ts", "vid-1/subs/s0/seg_00000.vtt");
        assertThat(publisher.isPublished("vid-1")).isTrue();
        assertThat(Files.size(tmp.resolve("bucket/vid-1/720p/seg_00004.ts"))).isEqualTo(1004);
    }

    @Test
    void publishingTwiceOverwritesTheSameKeys() throws Exception {
        RecordingBucket bucket = new RecordingBucket(new LocalObjectStore(tmp.resolve("bucket")));
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
}
