package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.LadderAssertions.Ladder;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Camera and broadcast sources come out looking right: each test makes a source of one kind, runs
 * the real encode stage on it and measures the ladder the way a person would judge it.
 */
class SourceKindsIT extends EncodeStageFixture {

    /** 50 frames a second woven into 25 interlaced ones: every moving edge combs. */
    private static SyntheticClip interlaced() {
        return SyntheticClip.video(320, 240).pattern("mandelbrot").fps("50").seconds(2).videoFilter("interlace=scan=tff");
    }

    @Test
    void interlacedSourceTaggedByItsContainerIsDeinterlaced() throws Exception {
        Path clip = interlaced().outputArgs("-flags", "+ildct+ilme", "-x264-params", "tff=1", "-field_order", "tt")
                .writeTo(dir.resolve("1080i-style.mp4"));
        assertThat(Media.fieldOrder(clip)).isEqualTo("tt");
        assertThat(Media.idet(clip).interlaced()).as("the source combs").isGreaterThan(30);
        // Without the deinterlacer, an H.264 copy at the same size still combs: the measurement can fail.
        Path plain = dir.resolve("plain.mp4");
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-i", clip.toString(), "-c:v", "libx264",
                "-preset", "ultrafast", plain.toString()));
        assertThat(Media.idet(plain).interlaced()).isGreaterThan(30);

        Path ladder = harness.encode(clip, small);
        LadderAssertions.assertValidLadder(ladder, clip);
        // The 240p rung has the source's size: nothing but the deinterlacer can have removed the combing.
        Media.Idet out = Media.idet(ladder.resolve("240p/index.m3u8"));
        assertThat(out.progressive()).isGreaterThan(30);
        assertThat(out.interlaced()).isLessThanOrEqualTo(out.progressive() / 10);
        assertThat(Files.readString(ladder.resolve("master.m3u8"))).contains("FRAME-RATE=25.000");
    }

    @Test
    void interlacedSourceWithoutFieldOrderIsFoundByLookingAndCanKeepItsFieldRate() throws Exception {
        Path clip = interlaced().codec("mpeg4").outputArgs("-q:v", "2").writeTo(dir.resolve("camcorder.avi"));
        assertThat(Media.fieldOrder(clip)).isIn("unknown", "");

        Path ladder = harness.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_DEINTERLACE_RATE", "field"));
        LadderAssertions.assertValidLadder(ladder, clip);
        // At 50 frames a second idet sees too little change between frames to call them progressive;
        // what matters is that it finds no combing.
        Media.Idet out = Media.idet(ladder.resolve("240p/index.m3u8"));
        assertThat(out.frames()).isGreaterThan(90);
        assertThat(out.interlaced()).isLessThanOrEqualTo(out.frames() / 10);
        // One frame per field: 25 interlaced frames a second become 50 progressive ones.
        assertThat(Files.readString(ladder.resolve("master.m3u8"))).contains("FRAME-RATE=50.000");
    }

    @Test
    void progressiveSourceWithoutFieldOrderIsLookedAtAndLeftAlone() throws Exception {
        Path clip = SyntheticClip.video(320, 240).pattern("mandelbrot").fps("50").seconds(2).codec("mpeg4")
                .outputArgs("-q:v", "2").writeTo(dir.resolve("webcam.avi"));
        MediaInfo media = new Prober("ffprobe", "ffmpeg", Admission.Limits.DEFAULT).probe(clip);
        assertThat(media.picture().scan()).isEqualTo(MediaInfo.Scan.PROGRESSIVE);
        assertThat(VideoChain.filters(media, VideoChain.Settings.DEFAULT)).isEmpty();
    }

    @Test
    void anamorphicPalIsShownAtSixteenByNineWithSquarePixels() throws Exception {
        Path clip = SyntheticClip.video(720, 576).seconds(2).videoFilter("setsar=64/45").writeTo(dir.resolve("dvd.mp4"));
        assertThat(Media.stream(clip).path("sample_aspect_ratio").asString()).isEqualTo("64:45");

        Path ladderDir = harness.encode(clip, small);
        Ladder ladder = LadderAssertions.assertValidLadder(ladderDir, clip);
        assertThat(ladder.variants()).extracting(v -> v.width() + "x" + v.height())
                .containsExactly("256x144", "426x240", "640x360");
        for (LadderAssertions.Variant v : ladder.variants()) {
            JsonNode video = Media.stream(ladderDir.resolve(v.uri()));
            assertThat(video.path("sample_aspect_ratio").asString()).as(v.uri()).isEqualTo("1:1");
            assertThat((double) v.width() / v.height()).as(v.uri()).isCloseTo(16.0 / 9, within(0.01));
        }
    }
    /**
     * A phone or webcam clip in full range (0-255, {@code yuvj420p}) is published in video range
     * (16-235) and not tagged full, by either scaler, in the rung that keeps its size as in the
     * scaled ones: black stays black and white white in players, which read untagged H.264 as video range.
     */
    @ParameterizedTest
    @ValueSource(strings = {"zscale", "swscale"})
    void fullRangeSourceIsPublishedInVideoRange(String scaler) throws Exception {
        Path clip = SyntheticClip.video(640, 360).pattern("color").seconds(2)
                .videoFilter("drawbox=x=0:y=0:w=320:h=360:color=white:t=fill").pixelFormat("yuvj420p")
                .outputArgs("-color_range", "pc").writeTo(dir.resolve("phone-" + scaler + ".mp4"));
        assertThat(Media.stream(clip).path("color_range").asString()).isEqualTo("pc");
        assertThat(Media.lumaLowAndHigh(clip)).containsExactly(new double[] {0, 255}, within(2.0));

        Path ladder = harness.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_SCALER", scaler));
        LadderAssertions.assertValidLadder(ladder, clip);
        for (String rung : List.of("144p", "240p", "360p")) {
            Path variant = ladder.resolve(rung + "/index.m3u8");
            assertThat(Media.stream(variant).path("color_range").asString()).as(rung).isNotEqualTo("pc");
            assertThat(Media.lumaLowAndHigh(variant)).as(rung).containsExactly(new double[] {16, 235}, within(3.0));
        }
    }

    /**
     * An RGB screen recording (PNG in QuickTime) keeps its colours with either scaler: a saturated
     * red, where BT.601 and BT.709 differ by 15 code values, decodes to the source's red in players,
     * which convert with the matrix a stream is tagged with.
     */
    @ParameterizedTest
    @ValueSource(strings = {"zscale", "swscale"})
    void rgbSourceKeepsItsColours(String scaler) throws Exception {
        Path clip = SyntheticClip.video(426, 240).pattern("color").seconds(2)
                .videoFilter("format=rgb24,drawbox=x=0:y=0:w=iw:h=ih:color=0xC81E28:t=fill").codec("png")
                .pixelFormat("rgb24").audioTracks(0).writeTo(dir.resolve("screen-" + scaler + ".mov"));
        int[] source = Media.topLeftRgb(clip);

        Path ladder = harness.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_SCALER", scaler));
        Ladder published = LadderAssertions.assertValidLadder(ladder, clip);
        assertThat(published.variants()).hasSize(2);
        for (LadderAssertions.Variant rung : published.variants()) {
            int[] colour = Media.topLeftRgb(ladder.resolve(rung.uri()));
            for (int c = 0; c < 3; c++) {
                assertThat(colour[c]).as("%s: channel %d of %s against the source's %s", rung.uri(), c,
                        Arrays.toString(colour), Arrays.toString(source))
                        .isCloseTo(source[c], within(4));
            }
        }
    }

    @Test
    void hlgIsToneMappedToBt709() throws Exception {
        assertToneMapped("arib-std-b67");
    }

    @Test
    void pqIsToneMappedToBt709() throws Exception {
        assertToneMapped("smpte2084");
    }

    /**
     * An SDR master is turned into 10-bit HEVC HDR with the given transfer, as a camera would record
     * the same scene; the ladder made from it must be tagged BT.709 and look like the master (PSNR),
     * clearly more than like the naive cut (the HDR values taken as they are into 8 bits).
     */
    private void assertToneMapped(String transfer) throws Exception {
        Path master = dir.resolve("master.mkv");
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-t", "2", "-i",
                "testsrc2=s=320x180:r=25", "-vf", "format=gbrp,zscale=tin=bt709:pin=bt709:min=gbr:rin=full"
                        + ":t=bt709:p=bt709:m=bt709:r=limited,format=yuv420p", "-c:v", "ffv1", master.toString()));
        Path hdr = dir.resolve("hdr-" + transfer + ".mp4");
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-i", master.toString(), "-vf",
                "zscale=tin=bt709:pin=bt709:min=bt709:rin=limited:t=" + transfer + ":p=bt2020:m=bt2020nc:r=limited"
                        + ":npl=100,format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-crf", "8",
                "-x265-params", "log-level=error", "-tag:v", "hvc1", "-color_primaries", "bt2020", "-color_trc",
                transfer, "-colorspace", "bt2020nc", hdr.toString()));
        Path naive = dir.resolve("naive.mkv");
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-i", hdr.toString(), "-vf",
                "format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", naive.toString()));

        Path ladder = harness.encode(hdr, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "180:800k"));
        LadderAssertions.assertValidLadder(ladder, hdr);
        // Without a profile that keeps HDR, the tone-mapped SDR ladder is all there is.
        assertThat(Files.readString(ladder.resolve("master.m3u8"))).doesNotContain("hvc1", "-hdr/", "VIDEO-RANGE=HLG",
                "VIDEO-RANGE=PQ");
        Path rung = ladder.resolve("180p/index.m3u8");
        JsonNode video = Media.stream(rung);
        assertThat(List.of(video.path("color_primaries").asString(), video.path("color_transfer").asString(),
                video.path("color_space").asString())).containsOnly("bt709");

        double toMaster = Media.psnr(rung, master);
        double toNaive = Media.psnr(rung, naive);
        double naiveToMaster = Media.psnr(naive, master);
        assertThat(toMaster).as("PSNR to the SDR master (to the naive cut: %.1f dB; naive cut to master: %.1f dB)",
                toNaive, naiveToMaster).isGreaterThan(toNaive).isGreaterThan(naiveToMaster + 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"arib-std-b67", "smpte2084"})
    void profileThatKeepsHdrAddsAnHevcMain10LadderBesideTheToneMappedOne(String transfer) throws Exception {
        boolean pq = transfer.equals("smpte2084");
        // A PQ source carries HDR10 metadata in its SEI messages, as cameras and grading tools write it.
        Path hdr = SyntheticClip.video(320, 180).seconds(2).codec("libx265").pixelFormat("yuv420p10le")
                .videoFilter("zscale=tin=bt709:pin=bt709:min=bt709:rin=limited:t=" + transfer
                        + ":p=bt2020:m=bt2020nc:r=limited:npl=100")
                .outputArgs("-tag:v", "hvc1", "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace",
                        "bt2020nc", "-x265-params", "log-level=error" + (pq ? ":hdr10=1:master-display="
                                + "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50):max-cll=1000,400"
                                : ""))
                .writeTo(dir.resolve("camera-" + transfer + ".mp4"));

        Path ladder = harness.encode(hdr, EncodeHarness.settings("HLSFLEET_ENCODE_PROFILE", "cmaf-hdr",
                "HLSFLEET_ENCODE_RUNGS", "144:300k,180:500k"));
        // Checks every variant against the source: the SDR ones H.264 in BT.709, the HDR ones HEVC
        // Main10 in BT.2020 with the transfer their VIDEO-RANGE names, CODECS as in the bitstream.
        LadderAssertions.assertValidLadder(ladder, hdr);
        String range = pq ? "PQ" : "HLG";
        List<String> variants = Files.readAllLines(ladder.resolve("master.m3u8")).stream()
                .filter(l -> l.startsWith("#EXT-X-STREAM-INF:")).toList();
        assertThat(variants).hasSize(4);
        assertThat(variants.subList(0, 2)).allSatisfy(v -> assertThat(v).contains("CODECS=\"avc1.", "VIDEO-RANGE=SDR"));
        assertThat(variants.subList(2, 4)).allSatisfy(v -> assertThat(v).containsPattern("CODECS=\"hvc1\\.2\\.4\\.L\\d+")
                .contains("VIDEO-RANGE=" + range));
        assertThat(Files.readAllLines(ladder.resolve("master.m3u8")).stream()
                .filter(l -> l.startsWith("#EXT-X-I-FRAME-STREAM-INF:") && l.contains("-hdr/")))
                .hasSize(2).allSatisfy(l -> assertThat(l).contains("hvc1.", "VIDEO-RANGE=" + range));

        for (String rung : List.of("144p-hdr", "180p-hdr")) {
            JsonNode video = Media.stream(ladder.resolve(rung + "/index.m3u8"));
            assertThat(List.of(video.path("codec_name").asString(), video.path("pix_fmt").asString(),
                    video.path("color_primaries").asString(), video.path("color_transfer").asString(),
                    video.path("color_space").asString())).as(rung)
                    .containsExactly("hevc", "yuv420p10le", "bt2020", transfer, "bt2020nc");
        }
        String metadata = Media.run(List.of("ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
                "-show_frames", "-show_entries", "frame=side_data_list", "-of", "json",
                ladder.resolve("180p-hdr/index.m3u8").toString()), false);
        if (pq) {
            assertThat(metadata).as("HDR10 metadata passed through").contains("Mastering display metadata",
                    "\"max_luminance\": \"10000000/10000\"", "\"max_content\": 1000", "\"max_average\": 400");
        } else {
            assertThat(metadata).doesNotContain("Mastering display metadata");
        }
        // The SDR ladder beside it is still the tone-mapped one.
        JsonNode sdr = Media.stream(ladder.resolve("180p/index.m3u8"));
        assertThat(List.of(sdr.path("codec_name").asString(), sdr.path("color_transfer").asString()))
                .containsExactly("h264", "bt709");
    }
}
