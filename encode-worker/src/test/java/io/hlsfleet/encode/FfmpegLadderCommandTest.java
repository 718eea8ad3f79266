package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.config.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FfmpegLadderCommandTest {

    private static final Path SOURCE = Path.of("/staging/source");
    private static final Path OUT = Path.of("/scratch/ladder");

    private static List<String> command(EncodeSettings settings, MediaInfo media) {
        return FfmpegLadderCommand.build(settings, media, LadderPlanner.plan(media, settings), SOURCE, OUT);
    }

    private static String after(List<String> cmd, String option) {
        return cmd.get(cmd.indexOf(option) + 1);
    }

    @Test
    void readsOnlyTheLocalFileWithTheProbedDemuxer() {
        List<String> cmd = command(EncodeHarness.settings(), new MediaInfo("matroska,webm", 1280, 720, 10, 30, 0, 1));
        int input = cmd.indexOf("-i");
        assertThat(after(cmd, "-protocol_whitelist")).isEqualTo("file");
        assertThat(after(cmd, "-format_whitelist")).isEqualTo("mov,matroska,mpegts,avi,flv");
        assertThat(cmd.indexOf("-protocol_whitelist")).isLessThan(input);
        assertThat(cmd.get(input - 1)).isEqualTo("matroska");
        assertThat(cmd.get(input + 1)).isEqualTo("file:/staging/source");
    }

    @Test
    void oneDecodeSplitIntoEveryVariantWithKeyframesOnSegmentBoundaries() {
        List<String> cmd = command(EncodeHarness.settings(), new MediaInfo("mov,mp4", 1920, 1080, 10, 30, 0, 2));
        assertThat(after(cmd, "-filter_complex")).startsWith("[0:0]split=5[s0][s1][s2][poster][thumbs];")
                .contains("[s0]zscale=640:360:").contains(",setsar=1,format=yuv420p[v0]")
                .contains("[s2]zscale=1920:1080:");
        assertThat(after(cmd, "-force_key_frames")).isEqualTo("expr:gte(t,n_forced*2)");
        assertThat(after(cmd, "-sc_threshold")).isEqualTo("0");
        assertThat(after(cmd, "-g")).isEqualTo("60");
        // The audio is encoded once, into its own rendition.
        assertThat(after(cmd, "-var_stream_map")).isEqualTo("v:0,name:360p v:1,name:720p v:2,name:1080p a:0,name:audio/a0");
        assertThat(cmd.stream().filter("0:2"::equals)).hasSize(1);
        assertThat(cmd).containsSubsequence("-map", "[v0]", "-b:v:0", "360k", "-maxrate:v:0", "540k", "-bufsize:v:0", "720k",
                "-preset:v:0", "ultrafast", "-map", "0:2");
        assertThat(after(cmd, "-hls_segment_type")).isEqualTo("mpegts");
        assertThat(after(cmd, "-hls_segment_filename")).isEqualTo("/scratch/ladder/%v/seg_%05d.ts");
        assertThat(after(cmd, "-profile:v")).isEqualTo("high");
        assertThat(cmd).doesNotContain("-level:v", "-hls_fmp4_init_filename");
    }

    /** The decoder and the filters get the job's threads too, not one per core each. */
    @Test
    void decoderFiltersAndEncodersShareTheJobsThreads() {
        List<String> cmd = command(EncodeHarness.settings("HLSFLEET_ENCODE_THREADS", "3"),
                new MediaInfo("mov", 1280, 720, 10, 30, 0, 1));
        int input = cmd.indexOf("-i");
        int decoderThreads = cmd.indexOf("-threads");
        assertThat(decoderThreads).as("an input option").isLessThan(input);
        assertThat(cmd.get(decoderThreads + 1)).isEqualTo("3");
        assertThat(after(cmd, "-filter_complex_threads")).isEqualTo("3");
        assertThat(cmd.subList(input, cmd.size())).containsSubsequence("-c:v", "libx264", "-profile:v", "high",
                "-threads", "3");
    }

    @Test
    void mutedAudioSettingEncodesTheMainTrackIntoEveryVariant() {
        List<String> cmd = command(EncodeHarness.settings("HLSFLEET_ENCODE_AUDIO", "muxed"),
                new MediaInfo("mov", 1280, 720, 10, 30, 0, 1));
        assertThat(after(cmd, "-var_stream_map")).isEqualTo("v:0,a:0,name:360p v:1,a:1,name:720p");
    }

    @Test
    void everyLanguageBecomesARenditionAndTextSubtitlesBecomeWebVtt() {
        MediaInfo media = new MediaInfo("matroska,webm", 640, 360, 10, 25, 0, 1, MediaInfo.Picture.PROGRESSIVE_SDR,
                List.of(new MediaInfo.AudioTrack(1, "eng", "", 2, 48000), new MediaInfo.AudioTrack(2, "ger", "", 6, 48000)),
                List.of(new MediaInfo.SubtitleTrack(3, "subrip", "eng", "", false, false)), List.of());
        List<String> cmd = command(EncodeHarness.settings(), media);
        // The German track is 5.1: every track also gets an E-AC-3 rendition, 5.1 where the source has it.
        assertThat(after(cmd, "-var_stream_map")).isEqualTo("v:0,name:360p a:0,name:audio/a0 a:1,name:audio/a1"
                + " a:2,name:audio/m0 a:3,name:audio/m1");
        assertThat(cmd).containsSubsequence("-map", "0:1", "-map", "0:2", "-map", "0:1", "-map", "0:2", "-c:a", "aac",
                "-b:a", "128k", "-ac", "2", "-c:a:2", "eac3", "-b:a:2", "128k", "-ac:a:2", "2",
                "-c:a:3", "eac3", "-b:a:3", "192k", "-ac:a:3", "6");
        assertThat(cmd).containsSubsequence("-map", "0:3", "-c:s", "webvtt", "-f", "webvtt",
                "/scratch/ladder/subs/s0/whole.vtt");
    }

    @Test
    void keyframeIntervalMustDivideTheSegments() {
        assertThatThrownBy(() -> EncodeHarness.settings("HLSFLEET_ENCODE_KEYFRAME_SECONDS", "4"))
                .hasMessageContaining("HLSFLEET_ENCODE_KEYFRAME_SECONDS=4 must divide the 6 s segments");
    }

    @Test
    void cappedCrfReplacesEveryRungsBitrateAndKeepsItsCap() {
        List<String> cmd = command(EncodeHarness.settings("HLSFLEET_ENCODE_CRF", "24"),
                new MediaInfo("mov,mp4", 1280, 720, 10, 30, 0, 1));
        assertThat(cmd).containsSubsequence("-map", "[v0]", "-crf:v:0", "24", "-maxrate:v:0", "540k", "-bufsize:v:0",
                "720k", "-map", "[v1]", "-crf:v:1", "24", "-maxrate:v:1");
        assertThat(cmd).noneMatch(option -> option.startsWith("-b:v"));
        assertThatThrownBy(() -> EncodeHarness.settings("HLSFLEET_ENCODE_CRF", "52"))
                .hasMessageContaining("HLSFLEET_ENCODE_CRF=52 is not between 0 and 51");
    }

    @Test
    void withoutAudioNoAudioIsMapped() {
        List<String> cmd = command(EncodeHarness.settings(), new MediaInfo("mov", 640, 360, 10, 25, 0, -1));
        assertThat(after(cmd, "-var_stream_map")).isEqualTo("v:0,name:360p");
        assertThat(cmd).doesNotContain("-c:a", "0:-1");
    }

    @Test
    void fragmentedMp4LevelAndX264Options() {
        EncodeSettings s = EncodeHarness.settings("HLSFLEET_ENCODE_CONTAINER", "fmp4", "HLSFLEET_ENCODE_H264_LEVEL", "4.1",
                "HLSFLEET_ENCODE_X264_PARAMS", "rc-lookahead=20:ref=2");
        List<String> cmd = command(s, new MediaInfo("mov", 640, 360, 10, 25, 0, 1));
        assertThat(after(cmd, "-hls_segment_type")).isEqualTo("fmp4");
        assertThat(after(cmd, "-hls_fmp4_init_filename")).isEqualTo("init.mp4");
        assertThat(after(cmd, "-hls_segment_filename")).endsWith("%v/seg_%05d.m4s");
        assertThat(after(cmd, "-level:v")).isEqualTo("4.1");
        // The 360p rung's own option comes after the ones given for every rung.
        assertThat(after(cmd, "-x264-params:v:0")).isEqualTo("rc-lookahead=20:ref=2:me=dia");
    }

    @Test
    void eachRungGetsItsOwnX264Options() {
        EncodeSettings s = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "360:360k,720:870k:1305k:1740k:faster:subme=1",
                "HLSFLEET_ENCODE_X264_PARAMS", "aq-mode=2");
        List<String> cmd = command(s, new MediaInfo("mov,mp4", 1280, 720, 10, 30, 0, 1));
        assertThat(cmd).containsSubsequence("-map", "[v0]", "-x264-params:v:0", "aq-mode=2", "-map", "[v1]",
                "-x264-params:v:1", "aq-mode=2:subme=1");
        assertThat(cmd).doesNotContain("-x264-params");
    }

    @Test
    void defaultPresetsPerRungAndX264Options() {
        // The defaults the encode benchmark chose (bench/README.md): medium, faster and veryfast from
        // the smallest rung up, trellis for every rung (veryfast alone leaves it off), keyframes quantised
        // 1.7 times finer than P-frames (x264's 1.4 suits its own keyframes, about four times further apart),
        // the diamond motion search on the 360p and 1080p rungs, no 4x4 intra blocks in the 1080p rung's P/B-frames.
        EncodeSettings s = EncodeSettings.from(Settings.of(Map.of()), 1);
        List<String> cmd = command(s, new MediaInfo("mov,mp4", 1920, 1080, 10, 30, 0, 1));
        assertThat(cmd).containsSubsequence("-map", "[v0]", "-preset:v:0", "medium", "-map", "[v1]", "-preset:v:1",
                "faster", "-map", "[v2]", "-preset:v:2", "veryfast");
        assertThat(after(cmd, "-x264-params:v:0")).isEqualTo("aq-mode=2:trellis=1:ipratio=1.7:me=dia");
        assertThat(after(cmd, "-x264-params:v:1")).isEqualTo("aq-mode=2:trellis=1:ipratio=1.7");
        assertThat(after(cmd, "-x264-params:v:2")).isEqualTo("aq-mode=2:trellis=1:ipratio=1.7:me=dia:partitions=i8x8");
    }

    @Test
    void demuxerIsTheFirstNameFfprobeReports() {
        assertThat(FfmpegLadderCommand.demuxer("mov,mp4,m4a,3gp,3g2,mj2")).isEqualTo("mov");
        assertThat(FfmpegLadderCommand.demuxer("mpegts")).isEqualTo("mpegts");
    }

    @Test
    void stereoSourcesAndProfilesWithoutMultichannelGetNoMultichannelRendition() {
        MediaInfo fiveOne = new MediaInfo("mov", 640, 360, 10, 25, 0, 1, MediaInfo.Picture.PROGRESSIVE_SDR,
                List.of(new MediaInfo.AudioTrack(1, "eng", "", 6, 48000)), List.of(), List.of());
        assertThat(after(command(EncodeHarness.settings("HLSFLEET_ENCODE_SURROUND", "none"), fiveOne), "-var_stream_map"))
                .isEqualTo("v:0,name:360p a:0,name:audio/a0");
        assertThat(after(command(EncodeHarness.settings(), new MediaInfo("mov", 640, 360, 10, 25, 0, 1)),
                "-var_stream_map")).isEqualTo("v:0,name:360p a:0,name:audio/a0");
        List<String> ac3 = command(EncodeHarness.settings("HLSFLEET_ENCODE_SURROUND", "ac3"), fiveOne);
        assertThat(ac3).containsSubsequence("-c:a:1", "ac3", "-b:a:1", "384k", "-ac:a:1", "6");
    }

    @Test
    void hdrLadderBranchesOffBeforeTheToneMappingAndIsHevcMain10WithTheSourcesHdr10Metadata() {
        MediaInfo.Picture pq = new MediaInfo.Picture(MediaInfo.Scan.PROGRESSIVE, MediaInfo.Transfer.PQ, "bt2020",
                "bt2020nc", false, "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)", "1000,400");
        List<String> cmd = command(EncodeHarness.settings("HLSFLEET_ENCODE_PROFILE", "cmaf-hdr"),
                new MediaInfo("mov", 1280, 720, 10, 25, 0, 1, pq));
        assertThat(after(cmd, "-filter_complex")).startsWith("[0:0]split=2[sdr][hdr];[sdr]zscale=tin=smpte2084")
                .contains("tonemap=tonemap=mobius").contains("split=4[s0][s1][poster][thumbs];[hdr]split=2[s2][s3];")
                .contains("[s0]zscale=640:360:").contains(",setsar=1,format=yuv420p[v0]")
                .contains("[s3]zscale=1280:720:").contains(",setsar=1,format=yuv420p10le[v3]");
        assertThat(after(cmd, "-var_stream_map")).startsWith("v:0,name:360p v:1,name:720p v:2,name:360p-hdr v:3,name:720p-hdr");
        // x264's options are global; the HEVC streams' own come after them, so they win.
        assertThat(cmd).containsSubsequence("-c:v", "libx264", "-profile:v", "high", "-color_trc", "bt709",
                "-c:v:2", "libx265", "-profile:v:2", "main10", "-tag:v:2", "hvc1", "-forced-idr:v:2", "1");
        assertThat(cmd).containsSubsequence("-color_primaries:v:3", "bt2020", "-color_trc:v:3", "smpte2084",
                "-colorspace:v:3", "bt2020nc");
        assertThat(after(cmd, "-x265-params:v:3")).isEqualTo("log-level=error:pools=2:scenecut=0:open-gop=0:hdr10=1"
                + ":hdr10-opt=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)"
                + ":max-cll=1000,400");
        assertThat(cmd).doesNotContain("-c:v:0", "-c:v:1");
    }
}
