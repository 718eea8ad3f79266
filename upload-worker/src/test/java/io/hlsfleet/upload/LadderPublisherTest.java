package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.storage.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LadderPublisherTest {

    private static final String MASTER = """
            #EXTM3U
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",URI="audio/a0/index.m3u8"
            #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",URI="subs/s0/index.m3u8"
            #EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO="audio",SUBTITLES="subs"
            360p/index.m3u8
            #EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,AUDIO="audio",SUBTITLES="subs"
            720p/index.m3u8
            #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="720p/iframes.m3u8"
            """;

    @TempDir
    Path tmp;

    private Path ladder(String name) throws IOException {
        Path dir = tmp.resolve(name);
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
        Files.writeString(dir.resolve("master.m3u8"), MASTER);
        return dir;
    }

    private Path scratch() throws IOException {
        return Files.createDirectories(tmp.resolve("scratch"));
    }

    @Test
    void aGenerationIsWrittenWholeThenItsKeyThenTheMasterThatNamesIt() throws Exception {
        RecordingBucket bucket = new RecordingBucket(new LocalObjectStore(tmp.resolve("bucket")));
        LadderPublisher publisher = new LadderPublisher(bucket, 4);
        assertThat(publisher.isPublished("vid-1")).isFalse();
        List<String> whenTheKeyWasWritten = new ArrayList<>();

        publisher.publish("vid-1", "g1", ladder("ladder"), scratch(), () -> {
            whenTheKeyWasWritten.addAll(bucket.uploaded);
            assertThat(publisher.isPublished("vid-1")).as("no master before the key").isFalse();
        });

        assertThat(bucket.uploaded).hasSize(18).last().isEqualTo("vid-1/master.m3u8");
        assertThat(bucket.uploaded.get(16)).as("the generation's own master after its other files")
                .isEqualTo("vid-1/g1/master.m3u8");
        assertThat(whenTheKeyWasWritten).as("the key after the whole generation, before the master")
                .hasSize(17).doesNotContain("vid-1/master.m3u8");
        assertThat(bucket.uploaded).contains("vid-1/g1/audio/a0/seg_00000.ts", "vid-1/g1/subs/s0/seg_00000.vtt");
        assertThat(publisher.isPublished("vid-1")).isTrue();
        assertThat(publisher.isPublished("vid-1", "g1")).isTrue();
        assertThat(Files.size(tmp.resolve("bucket/vid-1/g1/720p/seg_00004.ts"))).isEqualTo(1004);
        assertThat(tmp.resolve("bucket/vid-1/g1/master.m3u8")).hasContent(MASTER);
        assertThat(tmp.resolve("scratch")).as("the rewritten master is not left behind").isEmptyDirectory();
    }

    @Test
    void theRootMasterNamesEveryPlaylistInsideTheGeneration() {
        String root = LadderPublisher.rootMaster(MASTER, "g1");
        assertThat(root).isEqualTo("""
                #EXTM3U
                #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",URI="g1/audio/a0/index.m3u8"
                #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",URI="g1/subs/s0/index.m3u8"
                #EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO="audio",SUBTITLES="subs"
                g1/360p/index.m3u8
                #EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,AUDIO="audio",SUBTITLES="subs"
                g1/720p/index.m3u8
                #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="g1/720p/iframes.m3u8"
                """);
        assertThat(LadderPublisher.generationOf(root)).isEqualTo("g1");
        assertThat(LadderPublisher.generationOf("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n"))
                .as("a master from before generations names its variants' folders").isEqualTo("360p");
        assertThat(LadderPublisher.rootMaster("#EXTM3U\nhttps://cdn.example/a.m3u8\n/abs/b.m3u8\n", "g1"))
                .as("absolute URIs are left alone").isEqualTo("#EXTM3U\nhttps://cdn.example/a.m3u8\n/abs/b.m3u8\n");
    }

    @Test
    void aRepublishWritesANewGenerationBesideTheOldOne() throws Exception {
        LocalObjectStore bucket = new LocalObjectStore(tmp.resolve("bucket"));
        LadderPublisher publisher = new LadderPublisher(bucket, 2);
        publisher.publish("vid-1", "g1", ladder("first"), scratch(), LadderPublisher.BeforeSwitch.NOTHING);
        Path second = ladder("second");
        Files.write(second.resolve("360p/seg_00000.ts"), new byte[7]);
        publisher.publish("vid-1", "g2", second, scratch(), LadderPublisher.BeforeSwitch.NOTHING);

        assertThat(tmp.resolve("bucket/vid-1/g1/360p/seg_00000.ts")).as("the old generation, untouched").hasSize(1000);
        assertThat(tmp.resolve("bucket/vid-1/g2/360p/seg_00000.ts")).hasSize(7);
        assertThat(LadderPublisher.generationOf(Files.readString(tmp.resolve("bucket/vid-1/master.m3u8"))))
                .isEqualTo("g2");
    }

    @Test
    void aPublishThatFailsBeforeTheSwitchLeavesThePublishedMaster() throws Exception {
        LocalObjectStore bucket = new LocalObjectStore(tmp.resolve("bucket"));
        LadderPublisher publisher = new LadderPublisher(bucket, 2);
        publisher.publish("vid-1", "g1", ladder("first"), scratch(), LadderPublisher.BeforeSwitch.NOTHING);
        String published = Files.readString(tmp.resolve("bucket/vid-1/master.m3u8"));

        assertThatThrownBy(() -> publisher.publish("vid-1", "g2", ladder("second"), scratch(), () -> {
            throw new IOException("the key store is down");
        })).hasMessageContaining("key store");

        assertThat(tmp.resolve("bucket/vid-1/master.m3u8")).hasContent(published);
        assertThat(LadderPublisher.generationOf(published)).isEqualTo("g1");
    }

    @Test
    void aLadderWithoutMasterIsRefused() throws Exception {
        Path ladder = ladder("ladder");
        Files.delete(ladder.resolve("master.m3u8"));
        LadderPublisher publisher = new LadderPublisher(new LocalObjectStore(tmp.resolve("bucket")), 2);
        assertThatThrownBy(() -> publisher.publish("vid-1", "g1", ladder, scratch(), LadderPublisher.BeforeSwitch.NOTHING))
                .hasMessageContaining("master.m3u8");
        assertThat(publisher.isPublished("vid-1")).isFalse();
    }
}
