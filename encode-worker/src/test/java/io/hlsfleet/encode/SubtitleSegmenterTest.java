package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubtitleSegmenterTest {

    @TempDir
    Path dir;

    @Test
    void cuesGoToEverySegmentTheyOverlapWithTheVideosFirstTimestampMapped() throws Exception {
        Path whole = Files.writeString(dir.resolve("whole.vtt"), """
                WEBVTT

                00:00.500 --> 00:02.000
                first

                00:05.000 --> 00:07.500
                across the boundary

                01:00:00.000 --> 01:00:01.000
                after an hour
                """);
        SubtitleSegmenter.segment(whole, List.of(6.0, 6.0, 1.5), 1.4);

        assertThat(whole).doesNotExist();
        assertThat(Files.readString(dir.resolve("seg_00000.vtt"))).startsWith(
                "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n")
                .contains("first", "across the boundary").doesNotContain("after an hour");
        assertThat(Files.readString(dir.resolve("seg_00001.vtt"))).contains("across the boundary").doesNotContain("first");
        assertThat(Files.readString(dir.resolve("seg_00002.vtt"))).contains("after an hour");
        assertThat(Files.readString(dir.resolve("index.m3u8"))).isEqualTo("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-TARGETDURATION:6
                #EXT-X-MEDIA-SEQUENCE:0
                #EXT-X-PLAYLIST-TYPE:VOD
                #EXTINF:6.000000,
                seg_00000.vtt
                #EXTINF:6.000000,
                seg_00001.vtt
                #EXTINF:1.500000,
                seg_00002.vtt
                #EXT-X-ENDLIST
                """);
    }

    @Test
    void timestampsWithAndWithoutHours() {
        assertThat(SubtitleSegmenter.seconds("01:02.250")).isEqualTo(62.25);
        assertThat(SubtitleSegmenter.seconds("01:00:02.250")).isEqualTo(3602.25);
    }
}
