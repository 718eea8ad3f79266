package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterPlaylistTest {

    @TempDir
    Path dir;

    @Test
    void codecStringsFollowRfc6381() {
        assertThat(MasterPlaylist.avcCodec("High", 40)).isEqualTo("avc1.640028");
        assertThat(MasterPlaylist.avcCodec("High", 31)).isEqualTo("avc1.64001f");
        assertThat(MasterPlaylist.avcCodec("Main", 30)).isEqualTo("avc1.4d401e");
        assertThat(MasterPlaylist.avcCodec("Constrained Baseline", 21)).isEqualTo("avc1.42c015");
    }

    @Test
    void measuresPeakAndAverageFromSegmentSizes() throws Exception {
        Files.writeString(dir.resolve("index.m3u8"), """
                #EXTM3U
                #EXT-X-TARGETDURATION:6
                #EXTINF:6.000000,
                a.ts
                #EXTINF:6.000000,
                b.ts
                #EXTINF:0.200000,
                c.ts
                #EXT-X-ENDLIST
                """);
        Files.write(dir.resolve("a.ts"), new byte[75_000]);   // 100 kbit/s
        Files.write(dir.resolve("b.ts"), new byte[150_000]);  // 200 kbit/s
        Files.write(dir.resolve("c.ts"), new byte[25_000]);   // 1 Mbit/s, too short to count as peak
        MasterPlaylist.Measured m = MasterPlaylist.measure(dir);
        assertThat(m.peakBitsPerSecond()).isEqualTo(200_000);
        assertThat(m.averageBitsPerSecond()).isEqualTo(Math.round(250_000 * 8 / 12.2));
        assertThat(m.seconds()).isEqualTo(12.2, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void fmp4InitSegmentCountsTowardsTheAverageOnly() throws Exception {
        Files.writeString(dir.resolve("index.m3u8"), "#EXTM3U\n#EXT-X-MAP:URI=\"init_0.mp4\"\n#EXTINF:2.0,\ns.m4s\n");
        Files.write(dir.resolve("init_0.mp4"), new byte[1000]);
        Files.write(dir.resolve("s.m4s"), new byte[10_000]);
        MasterPlaylist.Measured m = MasterPlaylist.measure(dir);
        assertThat(m.averageBitsPerSecond()).isEqualTo(44_000);
        assertThat(m.peakBitsPerSecond()).isEqualTo(44_000);
    }

    @Test
    void targetDurationIsRaisedToTheLongestSegmentRoundedUp() throws Exception {
        Path playlist = Files.writeString(dir.resolve("index.m3u8"),
                "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.040000,\na.ts\n#EXTINF:2.0,\nb.ts\n#EXT-X-ENDLIST\n");
        MasterPlaylist.fixTargetDuration(playlist);
        assertThat(Files.readAllLines(playlist)).contains("#EXT-X-TARGETDURATION:7").doesNotContain("#EXT-X-TARGETDURATION:6");
    }

    @Test
    void writesOneStreamInfPerVariant() throws Exception {
        PlannedVariant v = new PlannedVariant("360p", 640, 360, 360, 540, 720, "slow");
        MasterPlaylist.write(dir, List.of(new MasterPlaylist.VariantStats(v, 500_000, 400_000, "avc1.64001e,mp4a.40.2",
                29.97)), Container.MPEGTS);
        assertThat(Files.readString(dir.resolve("master.m3u8"))).isEqualTo("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-STREAM-INF:BANDWIDTH=500000,AVERAGE-BANDWIDTH=400000,RESOLUTION=640x360,\
                CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=29.970
                360p/index.m3u8
                """);
    }
}
