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
                CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=29.970,VIDEO-RANGE=SDR,CLOSED-CAPTIONS=NONE
                360p/index.m3u8
                """);
    }

    @Test
    void renditionGroupsAreNamedByEveryVariantAndCountedInItsBandwidth() throws Exception {
        PlannedVariant v = new PlannedVariant("360p", 640, 360, 360, 540, 720, "slow");
        MasterPlaylist.Renditions renditions = new MasterPlaylist.Renditions(List.of(
                new MasterPlaylist.AudioRendition("audio/a0/index.m3u8", "eng", "English", true, 2, "mp4a.40.2",
                        140_000, 130_000),
                new MasterPlaylist.AudioRendition("audio/a1/index.m3u8", "ger", "Deutsch", false, 2, "mp4a.40.2",
                        150_000, 120_000)),
                List.of(new MasterPlaylist.SubtitleRendition("subs/s0/index.m3u8", "eng", "English", false, false)),
                false);
        MasterPlaylist.write(dir, List.of(new MasterPlaylist.VariantStats(v, 500_000, 400_000, "avc1.64001e", 25)),
                renditions, Container.FMP4);
        String master = Files.readString(dir.resolve("master.m3u8"));
        assertThat(master).isEqualTo("""
                #EXTM3U
                #EXT-X-VERSION:6
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,\
                CHANNELS="2",URI="audio/a0/index.m3u8"
                #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="de",NAME="Deutsch",DEFAULT=NO,AUTOSELECT=YES,\
                CHANNELS="2",URI="audio/a1/index.m3u8"
                #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,\
                FORCED=NO,URI="subs/s0/index.m3u8"
                #EXT-X-STREAM-INF:BANDWIDTH=650000,AVERAGE-BANDWIDTH=530000,RESOLUTION=640x360,\
                CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=25.000,VIDEO-RANGE=SDR,AUDIO="audio",SUBTITLES="subs",\
                CLOSED-CAPTIONS=NONE
                360p/index.m3u8
                """);
        assertThat(LadderCheck.conformance(master.lines().toList())).isEmpty();
    }

    @Test
    void conformanceNamesEveryBrokenRule() {
        List<String> broken = LadderCheck.conformance(List.of(
                "#EXTM3U",
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",DEFAULT=YES,URI=\"a0.m3u8\"",
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",DEFAULT=YES,URI=\"a1.m3u8\"",
                "#EXT-X-STREAM-INF:BANDWIDTH=100,AVERAGE-BANDWIDTH=200,CODECS=\"avc1.64001e\",RESOLUTION=2x2,"
                        + "FRAME-RATE=25,CLOSED-CAPTIONS=NONE,SUBTITLES=\"subs\"",
                "v.m3u8"));
        assertThat(broken).containsExactlyInAnyOrder(
                "AUDIO audio has two renditions named English",
                "AUDIO audio has 2 default renditions",
                "a variant has no VIDEO-RANGE",
                "a variant's AVERAGE-BANDWIDTH is above its BANDWIDTH",
                "a variant names SUBTITLES group subs, which is not declared",
                "a variant names no AUDIO group although the master declares one");
    }

    @Test
    void hevcCodecStringComesFromTheConfigurationRecord() {
        // What x265 writes for Main10 at level 2 (60): compatibility flag 2, progressive and frame-only.
        byte[] record = {1, 0x02, 0x20, 0, 0, 0, (byte) 0x90, 0, 0, 0, 0, 0, 60};
        assertThat(MasterPlaylist.hevcCodec(record)).isEqualTo("hvc1.2.4.L60.90");
        byte[] apple = {1, 0x02, 0x20, 0, 0, 0, (byte) 0xb0, 0, 0, 0, 0, 0, 123};
        assertThat(MasterPlaylist.hevcCodec(apple)).isEqualTo("hvc1.2.4.L123.B0");
    }

    @Test
    void everyVideoVariantIsListedOncePerAudioGroupWithThatGroupsCodecAndBitrate() throws Exception {
        PlannedVariant sdr = new PlannedVariant("360p", 640, 360, 360, 540, 720, "slow");
        PlannedVariant hdr = new PlannedVariant("360p-hdr", 640, 360, 360, 540, 720, "slow", "", MediaInfo.Transfer.PQ);
        MasterPlaylist.Renditions renditions = new MasterPlaylist.Renditions(List.of(
                new MasterPlaylist.AudioRendition("audio/a0/index.m3u8", "eng", "English", true, 2, "mp4a.40.2",
                        140_000, 130_000),
                new MasterPlaylist.AudioRendition(MasterPlaylist.SURROUND_GROUP, "audio/m0/index.m3u8", "eng", "English",
                        true, 6, "ec-3", 200_000, 192_000)), List.of(), false);
        List<io.hlsfleet.job.Rendition> listed = MasterPlaylist.write(dir, List.of(
                new MasterPlaylist.VariantStats(sdr, 500_000, 400_000, "avc1.64001e", 25),
                new MasterPlaylist.VariantStats(hdr, 450_000, 350_000, "hvc1.2.4.L60.90", 25)), renditions,
                Container.FMP4);
        List<String> master = Files.readAllLines(dir.resolve("master.m3u8"));
        assertThat(master).contains(
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"surround\",LANGUAGE=\"en\",NAME=\"English\",DEFAULT=YES,"
                        + "AUTOSELECT=YES,CHANNELS=\"6\",URI=\"audio/m0/index.m3u8\"");
        assertThat(master.stream().filter(l -> l.startsWith("#EXT-X-STREAM-INF:"))).containsExactly(
                "#EXT-X-STREAM-INF:BANDWIDTH=640000,AVERAGE-BANDWIDTH=530000,RESOLUTION=640x360,"
                        + "CODECS=\"avc1.64001e,mp4a.40.2\",FRAME-RATE=25.000,VIDEO-RANGE=SDR,AUDIO=\"audio\",CLOSED-CAPTIONS=NONE",
                "#EXT-X-STREAM-INF:BANDWIDTH=590000,AVERAGE-BANDWIDTH=480000,RESOLUTION=640x360,"
                        + "CODECS=\"hvc1.2.4.L60.90,mp4a.40.2\",FRAME-RATE=25.000,VIDEO-RANGE=PQ,AUDIO=\"audio\",CLOSED-CAPTIONS=NONE",
                "#EXT-X-STREAM-INF:BANDWIDTH=700000,AVERAGE-BANDWIDTH=592000,RESOLUTION=640x360,"
                        + "CODECS=\"avc1.64001e,ec-3\",FRAME-RATE=25.000,VIDEO-RANGE=SDR,AUDIO=\"surround\",CLOSED-CAPTIONS=NONE",
                "#EXT-X-STREAM-INF:BANDWIDTH=650000,AVERAGE-BANDWIDTH=542000,RESOLUTION=640x360,"
                        + "CODECS=\"hvc1.2.4.L60.90,ec-3\",FRAME-RATE=25.000,VIDEO-RANGE=PQ,AUDIO=\"surround\",CLOSED-CAPTIONS=NONE");
        assertThat(listed).extracting(io.hlsfleet.job.Rendition::playlist)
                .containsExactly("360p/index.m3u8", "360p-hdr/index.m3u8");
        assertThat(LadderCheck.conformance(master)).isEmpty();
        assertThat(LadderCheck.conformance(master.stream().map(l -> l.replace("VIDEO-RANGE=PQ", "VIDEO-RANGE=SDR"))
                .toList())).contains("a variant's VIDEO-RANGE=SDR does not go with its CODECS hvc1.2.4.L60.90,mp4a.40.2"
                        + " (the encoder writes HDR in HEVC only)");
    }
}
