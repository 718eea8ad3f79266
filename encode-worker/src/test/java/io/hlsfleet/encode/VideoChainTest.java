package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The filters before the split, and what they change in the ffmpeg command. */
class VideoChainTest {

    private static final MediaInfo.Picture TFF = new MediaInfo.Picture(MediaInfo.Scan.TOP_FIELD_FIRST,
            MediaInfo.Transfer.SDR, "", "", false);

    private static MediaInfo media(MediaInfo.Picture picture) {
        return new MediaInfo("mpegts", 1920, 1080, 10, 25, 0, 1, picture);
    }

    private static List<String> command(EncodeSettings settings, MediaInfo media) {
        return FfmpegLadderCommand.build(settings, media, LadderPlanner.plan(media, settings), Path.of("/in"),
                Path.of("/out"));
    }

    private static String after(List<String> cmd, String option) {
        return cmd.get(cmd.indexOf(option) + 1);
    }

    @Test
    void progressiveSdrSourceGoesStraightToTheSplit() {
        List<String> cmd = command(EncodeHarness.settings(), media(MediaInfo.Picture.PROGRESSIVE_SDR));
        assertThat(after(cmd, "-filter_complex")).startsWith("[0:0]split=5").doesNotContain("bwdif", "tonemap");
        assertThat(VideoChain.filters(media(MediaInfo.Picture.PROGRESSIVE_SDR), VideoChain.Settings.DEFAULT)).isEmpty();
        assertThat(cmd).doesNotContain("-color_trc");
    }

    @Test
    void rungsAreScaledByZscaleInVideoRangeUnlessSwscaleIsChosen() {
        MediaInfo source = media(MediaInfo.Picture.PROGRESSIVE_SDR);
        assertThat(after(command(EncodeHarness.settings(), source), "-filter_complex")).contains("[s0]zscale=640:360"
                + ":filter=bicubic:param_a=0:param_b=0.6:chromalin=center:chromal=center:r=limited,setsar=1,format=yuv420p[v0]");
        assertThat(after(command(EncodeHarness.settings("HLSFLEET_ENCODE_SCALER", "SWScale"), source), "-filter_complex"))
                .contains("[s0]scale=640:360:flags=bicubic,setsar=1,format=yuv420p[v0]").doesNotContain("zscale");
    }

    @Test
    void rgbSourceIsConvertedWithTheBt709MatrixByZscale() {
        MediaInfo rgb = media(new MediaInfo.Picture(MediaInfo.Scan.PROGRESSIVE, MediaInfo.Transfer.SDR, "",
                MediaInfo.Picture.RGB, true));
        assertThat(after(command(EncodeHarness.settings(), rgb), "-filter_complex"))
                .contains("[s0]zscale=640:360:filter=bicubic:param_a=0:param_b=0.6:chromalin=center:chromal=center"
                        + ":r=limited:m=bt709,setsar=1,format=yuv420p[v0]");
        assertThat(after(command(EncodeHarness.settings(), media(MediaInfo.Picture.PROGRESSIVE_SDR)), "-filter_complex"))
                .doesNotContain("m=bt709");
    }

    @Test
    void interlacedSourceIsDeinterlacedOnceBeforeTheSplitAtFrameRate() {
        List<String> cmd = command(EncodeHarness.settings(), media(TFF));
        assertThat(after(cmd, "-filter_complex")).startsWith("[0:0]bwdif=mode=send_frame:parity=tff:deint=all,split=5");
        assertThat(after(cmd, "-g")).isEqualTo("50");
    }

    @Test
    void fieldRateDoublesTheFramesAndTheKeyframeDistance() {
        EncodeSettings field = EncodeHarness.settings("HLSFLEET_ENCODE_DEINTERLACE_RATE", "field");
        MediaInfo bff = media(TFF.withScan(MediaInfo.Scan.BOTTOM_FIELD_FIRST));
        List<String> cmd = command(field, bff);
        assertThat(after(cmd, "-filter_complex")).startsWith("[0:0]bwdif=mode=send_field:parity=bff:deint=all,split=5");
        assertThat(after(cmd, "-g")).isEqualTo("100");
        assertThat(VideoChain.frameRate(bff, field.videoChain())).isEqualTo(50);
    }

    @Test
    void hdrSourceIsToneMappedAndTaggedBt709() {
        MediaInfo hlg = media(new MediaInfo.Picture(MediaInfo.Scan.PROGRESSIVE, MediaInfo.Transfer.HLG, "bt2020",
                "bt2020nc", false));
        List<String> cmd = command(EncodeHarness.settings("HLSFLEET_ENCODE_TONEMAP", "hable"), hlg);
        assertThat(after(cmd, "-filter_complex")).startsWith("[0:0]zscale=tin=arib-std-b67:pin=bt2020:min=bt2020nc"
                + ":rin=limited:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,"
                + "zscale=t=bt709:m=bt709:r=limited,format=yuv420p,split=5");
        assertThat(cmd).containsSubsequence("-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709");

        MediaInfo pq = media(new MediaInfo.Picture(MediaInfo.Scan.PROGRESSIVE, MediaInfo.Transfer.PQ, "", "", true));
        assertThat(VideoChain.filters(pq, VideoChain.Settings.DEFAULT))
                .startsWith("zscale=tin=smpte2084:pin=bt2020:min=bt2020nc:rin=full:").contains("tonemap=mobius");
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> EncodeHarness.settings("HLSFLEET_ENCODE_DEINTERLACE_RATE", "double"))
                .hasMessageContaining("HLSFLEET_ENCODE_DEINTERLACE_RATE=double is not frame or field");
        assertThatThrownBy(() -> EncodeHarness.settings("HLSFLEET_ENCODE_TONEMAP", "magic"))
                .hasMessageContaining("HLSFLEET_ENCODE_TONEMAP=magic is not one of [mobius, hable, reinhard, clip]");
        assertThatThrownBy(() -> EncodeHarness.settings("HLSFLEET_ENCODE_SCALER", "lanczos"))
                .hasMessageContaining("HLSFLEET_ENCODE_SCALER=lanczos is not zscale or swscale");
    }

    @Test
    void idetVerdict() {
        assertThat(InterlaceDetector.verdict("[Parsed_idet_0 @ 0x1] Multi frame detection: TFF:    75 BFF:     0 "
                + "Progressive:     2 Undetermined:     0")).isEqualTo(MediaInfo.Scan.TOP_FIELD_FIRST);
        assertThat(InterlaceDetector.verdict("Multi frame detection: TFF: 1 BFF: 60 Progressive: 3 Undetermined: 9"))
                .isEqualTo(MediaInfo.Scan.BOTTOM_FIELD_FIRST);
        assertThat(InterlaceDetector.verdict("Multi frame detection: TFF: 20 BFF: 0 Progressive: 40 Undetermined: 0"))
                .isEqualTo(MediaInfo.Scan.PROGRESSIVE);
        assertThat(InterlaceDetector.verdict("Multi frame detection: TFF: 2 BFF: 0 Progressive: 0 Undetermined: 200"))
                .isEqualTo(MediaInfo.Scan.PROGRESSIVE);
        assertThat(InterlaceDetector.verdict("")).isEqualTo(MediaInfo.Scan.PROGRESSIVE);
    }
}
