package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
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
                .contains("[s0]scale=640:360:flags=bicubic,setsar=1,format=yuv420p[v0]")
                .contains("[s2]scale=1920:1080");
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

    @Test
    void mutedAudioSettingEncodesTheMainTrackIntoEveryVariant() {
        List<String> cmd = command(EncodeHarness.settings("HLSFLEET_ENCODE_AUDIO", "muxed"),
                new MediaInfo("mov", 1280, 720, 10, 30, 0, 1));
        assertThat(after(cmd, "-var_stream_map")).isEqualTo("v:0,a:0,name:360p v:1,a:1,name:720p");
    }

    @Test
    void everyLanguageBecomesARenditionAndTextSubtitlesBecomeWebVtt() {
        MediaInfo media = new MediaInfo("matroska,webm", 640, 360, 10, 25, 0, 1, MediaInfo.Picture.PROGRESSIVE_SDR,
                List.of(new MediaInfo.AudioTrack(1, "eng", "", 2), new MediaInfo.AudioTrack(2, "ger", "", 6)),
                List.of(new MediaInfo.SubtitleTrack(3, "subrip", "eng", "", false, false)), List.of());
        List<String> cmd = command(EncodeHarness.settings(), media);
        assertThat(after(cmd, "-var_stream_map")).isEqualTo("v:0,name:360p a:0,name:audio/a0 a:1,name:audio/a1");
        assertThat(cmd).containsSubsequence("-map", "0:1", "-map", "0:2", "-c:a", "aac", "-b:a", "128k", "-ac", "2");
        assertThat(cmd).containsSubsequence("-map", "0:3", "-c:s", "webvtt", "-f", "webvtt",
                "/scratch/ladder/subs/s0/whole.vtt");
    }

    @Test
    void keyframeIntervalMustDivideTheSegments() {
        assertThatThrownBy(() -> EncodeHarness.settings("HLSFLEET_ENCODE_KEYFRAME_SECONDS", "4"))
                .hasMessageContaining("HLSFLEET_ENCODE_KEYFRAME_SECONDS=4 must divide the 6 s segments");
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
        assertThat(after(cmd, "-x264-params")).isEqualTo("rc-lookahead=20:ref=2");
    }

    @Test
    void demuxerIsTheFirstNameFfprobeReports() {
        assertThat(FfmpegLadderCommand.demuxer("mov,mp4,m4a,3gp,3g2,mj2")).isEqualTo("mov");
        assertThat(FfmpegLadderCommand.demuxer("mpegts")).isEqualTo("mpegts");
    }
}
