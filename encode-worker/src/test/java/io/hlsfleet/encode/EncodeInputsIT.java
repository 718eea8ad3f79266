package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.LadderAssertions.Ladder;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.SyntheticClip;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every kind of input issue 3 lists becomes a valid ladder: each test makes its clip with ffmpeg,
 * runs the real encode stage on it and checks the result with {@link LadderAssertions}.
 */
class EncodeInputsIT extends EncodeStageFixture {

    private Ladder encode(Path clip, EncodeSettings settings) throws Exception {
        return LadderAssertions.assertValidLadder(harness.encode(clip, settings), clip);
    }

    @Test
    void landscape720pGetsTheDefaultLadderWithoutThe1080pRung() throws Exception {
        Path clip = SyntheticClip.video(1280, 720).writeTo(dir.resolve("hd.mp4"));
        Ladder ladder = encode(clip, EncodeHarness.settings());
        assertThat(ladder.variants()).extracting(v -> v.width() + "x" + v.height())
                .containsExactly("640x360", "1280x720");
    }

    @Test
    void portraitIsLaddderedByItsShortSide() throws Exception {
        Path clip = SyntheticClip.video(240, 426).writeTo(dir.resolve("portrait.mp4"));
        Ladder ladder = encode(clip, small);
        assertThat(ladder.variants()).extracting(v -> v.width() + "x" + v.height())
                .containsExactly("144x256", "240x426");
    }

    @Test
    void rotationFlagIsAppliedSoTheLadderIsAsDisplayed() throws Exception {
        Path clip = SyntheticClip.video(426, 240).rotation(90).writeTo(dir.resolve("rotated.mp4"));
        Ladder ladder = encode(clip, small);
        assertThat(ladder.variants()).extracting(v -> v.width() + "x" + v.height())
                .containsExactly("144x256", "240x426");
    }

    @Test
    void sourceBelowTheLowestRungGetsOneRungAtItsOwnSize() throws Exception {
        Path clip = SyntheticClip.video(160, 90).writeTo(dir.resolve("tiny.mp4"));
        Ladder ladder = encode(clip, small);
        assertThat(ladder.variants()).extracting(v -> v.width() + "x" + v.height()).containsExactly("160x90");
    }

    @Test
    void oddDimensionsBecomeEvenWithoutUpscaling() throws Exception {
        Path clip = SyntheticClip.video(321, 241).pixelFormat("yuv444p").writeTo(dir.resolve("odd.mp4"));
        Ladder ladder = encode(clip, small);
        assertThat(ladder.variants()).allSatisfy(v -> {
            assertThat(v.width() % 2).isZero();
            assertThat(v.height() % 2).isZero();
            assertThat(v.width()).isLessThanOrEqualTo(321);
        });
        assertThat(ladder.shortSides()).containsExactly(144, 240);
    }

    @Test
    void videoWithoutAudio() throws Exception {
        Path clip = SyntheticClip.video(320, 180).audioTracks(0).writeTo(dir.resolve("silent.mp4"));
        Ladder ladder = encode(clip, small);
        assertThat(ladder.variants()).allSatisfy(v -> {
            assertThat(v.hasAudio()).isFalse();
            assertThat(v.codecs()).doesNotContain("mp4a");
        });
    }

    @Test
    void severalAudioTracksCarryTheDefaultOne() throws Exception {
        Path clip = SyntheticClip.video(320, 180).audioTracks(3).defaultAudio(1).writeTo(dir.resolve("tracks.mkv"));
        Ladder ladder = encode(clip, small);
        assertThat(ladder.variants()).allSatisfy(v -> assertThat(v.hasAudio()).isTrue());
        // Track 1 is the 500 Hz tone: the ladder's audio must be that one, not the first (300 Hz).
        Path variant = harness.encode(clip, small).resolve("audio/a0/index.m3u8");
        assertThat(dominantFrequency(variant)).isBetween(450.0, 550.0);
        // Stereo tracks get no multichannel rendition.
        assertThat(Files.readString(variant.resolveSibling("../../master.m3u8").normalize()))
                .doesNotContain("surround", "ec-3", "audio/m0");
    }

    /**
     * A 5.1 or 7.1 source gets a multichannel E-AC-3 rendition (5.1, the most ffmpeg's encoder writes)
     * in its own group beside the stereo AAC one, and every video variant is listed once per group
     * with that group's codec, as Apple's examples pair them.
     */
    @ParameterizedTest
    @CsvSource({"5.1, 6", "7.1, 8"})
    void multichannelSourceGetsAnEac3RenditionBesideTheStereoAacOne(String layout, int channels) throws Exception {
        String tones = java.util.stream.IntStream.range(0, channels).mapToObj(c -> "0.3*sin(" + (300 + 100 * c) + "*2*PI*t)")
                .collect(java.util.stream.Collectors.joining("|"));
        Path clip = dir.resolve("surround-" + channels + ".mp4");
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-t", "2", "-i",
                "testsrc2=s=426x240:r=25", "-f", "lavfi", "-t", "2", "-i", "aevalsrc=" + tones + ":c=" + layout + ":s=48000",
                "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "384k", clip.toString()));
        assertThat(Media.run(List.of("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                "stream=channels", "-of", "csv=p=0", clip.toString()), false).strip()).isEqualTo(String.valueOf(channels));

        Path ladder = harness.encode(clip, small);
        Ladder checked = LadderAssertions.assertValidLadder(ladder, clip);
        List<String> master = Files.readAllLines(ladder.resolve("master.m3u8"));
        assertThat(master.stream().filter(l -> l.startsWith("#EXT-X-MEDIA:TYPE=AUDIO"))).containsExactly(
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Track 1\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\","
                        + "URI=\"audio/a0/index.m3u8\"",
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"surround\",NAME=\"Track 1\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"6\","
                        + "URI=\"audio/m0/index.m3u8\"");
        // 144p and 240p with AAC, then both again with E-AC-3.
        assertThat(checked.variants()).extracting(LadderAssertions.Variant::height).containsExactly(144, 240, 144, 240);
        assertThat(checked.variants()).extracting(v -> v.codecs().replaceFirst("^avc1\\.[0-9a-f]+,", ""))
                .containsExactly("mp4a.40.2", "mp4a.40.2", "ec-3", "ec-3");
        assertThat(master.stream().filter(l -> l.startsWith("#EXT-X-STREAM-INF:")).map(l -> l.replaceAll(".*AUDIO=", "")))
                .containsExactly("\"audio\",CLOSED-CAPTIONS=NONE", "\"audio\",CLOSED-CAPTIONS=NONE",
                        "\"surround\",CLOSED-CAPTIONS=NONE", "\"surround\",CLOSED-CAPTIONS=NONE");

        String firstSegment = Files.readAllLines(ladder.resolve("audio/m0/index.m3u8")).stream()
                .filter(l -> l.endsWith(".ts")).findFirst().orElseThrow();
        assertThat(run("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                "stream=codec_name,channels", "-of", "csv=p=0", ladder.resolve("audio/m0").resolve(firstSegment).toString())
                .strip().lines().findFirst().orElse("")).isEqualTo("eac3,6");
        assertThat(run("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                "stream=codec_name,channels", "-of", "csv=p=0", ladder.resolve("audio/a0/index.m3u8").toString())
                .strip().lines().findFirst().orElse("")).isEqualTo("aac,2");
    }

    @Test
    void tenBitH264BecomesEightBit() throws Exception {
        encode(SyntheticClip.video(320, 180).pixelFormat("yuv420p10le").writeTo(dir.resolve("10bit.mp4")), small);
    }

    @Test
    void hevcTenBit() throws Exception {
        encode(SyntheticClip.video(320, 180).codec("libx265").pixelFormat("yuv420p10le")
                .outputArgs("-tag:v", "hvc1").writeTo(dir.resolve("hevc.mp4")), small);
    }

    @Test
    void vp9InWebm() throws Exception {
        encode(SyntheticClip.video(320, 180).codec("libvpx-vp9").writeTo(dir.resolve("vp9.webm")), small);
    }

    @Test
    void av1InMatroska() throws Exception {
        encode(SyntheticClip.video(320, 180).codec("libsvtav1").writeTo(dir.resolve("av1.mkv")), small);
    }

    @Test
    void yuv444AndRgbSources() throws Exception {
        encode(SyntheticClip.video(320, 180).pixelFormat("yuv444p").writeTo(dir.resolve("444.mp4")), small);
        encode(SyntheticClip.video(320, 180).codec("png").pixelFormat("rgb24").audioTracks(0)
                .writeTo(dir.resolve("rgb.mov")), small);
    }

    @Test
    void otherAcceptedContainers() throws Exception {
        encode(SyntheticClip.video(320, 180).codec("mpeg4").writeTo(dir.resolve("old.avi")), small);
        encode(SyntheticClip.video(320, 180).writeTo(dir.resolve("broadcast.ts")), small);
        encode(SyntheticClip.video(320, 180).writeTo(dir.resolve("flash.flv")), small);
    }

    @Test
    void sixtyFpsKeepsKeyframesOnSegmentBoundaries() throws Exception {
        Path clip = SyntheticClip.video(320, 180).fps("60").seconds(4).writeTo(dir.resolve("60fps.mp4"));
        EncodeSettings oneSecond = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_SEGMENT_SECONDS", "1", "HLSFLEET_ENCODE_KEYFRAME_SECONDS", "1");
        Path ladder = harness.encode(clip, oneSecond);
        LadderAssertions.assertValidLadder(ladder, clip);
        assertKeyframesOnSegmentBoundaries(ladder.resolve("144p"), 1);
        assertThat(Files.readString(ladder.resolve("master.m3u8"))).contains("FRAME-RATE=60.000");
    }

    @Test
    void keyframesEveryTwoSecondsAtTheSameTimesInEveryRungWithSixSecondSegments() throws Exception {
        Path clip = SyntheticClip.video(426, 240).fps("30").seconds(8).writeTo(dir.resolve("gop.mp4"));
        Path ladder = harness.encode(clip, small);
        LadderAssertions.assertValidLadder(ladder, clip);
        List<String> low = keyframeTimes(ladder.resolve("144p/index.m3u8"));
        assertThat(low).containsExactly("0.000", "2.000", "4.000", "6.000");
        assertThat(keyframeTimes(ladder.resolve("240p/index.m3u8"))).isEqualTo(low);
        assertThat(MasterPlaylist.segmentDurations(ladder.resolve("240p/index.m3u8")).getFirst())
                .isCloseTo(6.0, org.assertj.core.data.Offset.offset(0.05));

        // MPEG-TS: the I-frame playlist lists every keyframe, each 2 s, in the segment holding it.
        Path iFrames = ladder.resolve("144p").resolve(IFramePlaylist.NAME);
        assertThat(MasterPlaylist.segmentDurations(iFrames))
                .allSatisfy(d -> assertThat(d).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.05)))
                .hasSize(4);
        List<String> segments = Files.readAllLines(ladder.resolve("144p/index.m3u8")).stream()
                .filter(l -> l.endsWith(".ts")).toList();
        assertThat(Files.readAllLines(iFrames).stream().filter(l -> l.endsWith(".ts")))
                .containsExactly(segments.get(0), segments.get(0), segments.get(0), segments.get(1));
        assertThat(Files.readString(ladder.resolve("master.m3u8")))
                .contains("#EXT-X-I-FRAME-STREAM-INF:").contains("URI=\"144p/iframes.m3u8\"");

        // A range that starts after the tables and the picture's first packet decodes to nothing.
        String playlist = Files.readString(iFrames);
        java.util.regex.Matcher range = java.util.regex.Pattern.compile("#EXT-X-BYTERANGE:(\\d+)@(\\d+)").matcher(playlist);
        assertThat(range.find()).isTrue();
        long length = Long.parseLong(range.group(1));
        long offset = Long.parseLong(range.group(2));
        Files.writeString(iFrames, playlist.replaceFirst("#EXT-X-BYTERANGE:\\d+@\\d+",
                "#EXT-X-BYTERANGE:" + (length - 4 * 188) + "@" + (offset + 4 * 188)));
        assertThatThrownBy(() -> LadderAssertions.assertValidLadder(ladder, clip))
                .hasMessageContaining("I-frame 0").hasMessageContaining("does not decode alone to a keyframe");
    }

    /** Times of the keyframes of a variant, from its first frame, to the millisecond. */
    private static List<String> keyframeTimes(Path playlist) throws Exception {
        List<String> times = new ArrayList<>();
        double first = Double.NaN;
        for (String line : run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "packet=pts_time,flags", "-of", "csv=p=0", playlist.toString()).lines().toList()) {
            String[] fields = line.split(",");
            if (fields.length < 2 || fields[0].isBlank()) {
                continue;
            }
            double pts = Double.parseDouble(fields[0]);
            first = Double.isNaN(first) ? pts : first;
            if (fields[1].startsWith("K")) {
                times.add(String.format(java.util.Locale.ROOT, "%.3f", pts - first));
            }
        }
        return times;
    }

    @Test
    void fiftyFps() throws Exception {
        encode(SyntheticClip.video(320, 180).fps("50").writeTo(dir.resolve("50fps.mp4")), small);
    }

    @Test
    void variableFrameRateKeepsKeyframesOnSegmentBoundaries() throws Exception {
        Path clip = SyntheticClip.video(320, 180).fps("30").seconds(4).variableFrameRate().writeTo(dir.resolve("vfr.mp4"));
        EncodeSettings oneSecond = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_SEGMENT_SECONDS", "1", "HLSFLEET_ENCODE_KEYFRAME_SECONDS", "1");
        Path ladder = harness.encode(clip, oneSecond);
        LadderAssertions.assertValidLadder(ladder, clip);
        assertKeyframesOnSegmentBoundaries(ladder.resolve("144p"), 1);
    }

    @Test
    void fragmentedMp4Container() throws Exception {
        Path clip = SyntheticClip.video(426, 240).seconds(3).writeTo(dir.resolve("cmaf.mp4"));
        Path ladder = harness.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_CONTAINER", "fmp4", "HLSFLEET_ENCODE_H264_PROFILE", "main",
                "HLSFLEET_ENCODE_H264_LEVEL", "3.1"));
        Ladder checked = LadderAssertions.assertValidLadder(ladder, clip);
        // The profile is a ceiling: ultrafast uses no main-profile tools, so x264 writes baseline.
        assertThat(checked.variants()).allSatisfy(v -> assertThat(v.codecs()).matches("avc1\\.(42c0|4d40)1f,mp4a\\.40\\.2"));
        String playlist = Files.readString(ladder.resolve("240p/index.m3u8"));
        assertThat(playlist).contains("#EXT-X-MAP:URI=").contains(".m4s").doesNotContain(".ts");
        assertThat(Files.readString(ladder.resolve("master.m3u8"))).contains("#EXT-X-VERSION:6");
        // fMP4: one I-frame per segment (its fragment's first picture), with the init segment as map.
        String iFrames = Files.readString(ladder.resolve("240p").resolve(IFramePlaylist.NAME));
        assertThat(iFrames).contains("#EXT-X-I-FRAMES-ONLY", "#EXT-X-BYTERANGE:");
        assertThat(iFrames.lines().filter(l -> l.startsWith("#EXT-X-MAP:")))
                .containsExactlyElementsOf(playlist.lines().filter(l -> l.startsWith("#EXT-X-MAP:")).toList());
        assertThat(iFrames.lines().filter(l -> l.endsWith(".m4s"))).hasSize(1);
    }

    /** Every segment of a variant starts with a keyframe and all but the last are as long as asked. */
    private static void assertKeyframesOnSegmentBoundaries(Path variantDir, double segmentSeconds) throws Exception {
        List<String> lines = Files.readAllLines(variantDir.resolve("index.m3u8"));
        List<Double> durations = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("#EXTINF:")) {
                durations.add(Double.parseDouble(line.substring(8, line.indexOf(','))));
            } else if (!line.isBlank() && !line.startsWith("#")) {
                String flags = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
                        "-show_entries", "packet=flags", "-of", "csv=p=0", variantDir.resolve(line).toString());
                assertThat(flags.strip()).as("first packet of %s", line).startsWith("K");
            }
        }
        assertThat(durations).hasSizeGreaterThan(2);
        assertThat(durations.subList(0, durations.size() - 1))
                .allSatisfy(d -> assertThat(d).isCloseTo(segmentSeconds, org.assertj.core.data.Offset.offset(0.1)));
    }

    /** The frequency with the most energy in a variant's audio, by counting zero crossings. */
    private static double dominantFrequency(Path playlist) throws Exception {
        Path raw = playlist.resolveSibling("audio.raw");
        run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", playlist.toString(), "-map", "0:a:0", "-ac", "1",
                "-ar", "48000", "-f", "s16le", raw.toString());
        byte[] pcm = Files.readAllBytes(raw);
        int crossings = 0;
        short previous = 0;
        int samples = pcm.length / 2;
        for (int i = 0; i < samples; i++) {
            short s = (short) ((pcm[2 * i] & 0xFF) | (pcm[2 * i + 1] << 8));
            if (i > 0 && (previous < 0) != (s < 0)) {
                crossings++;
            }
            previous = s;
        }
        return crossings / 2.0 / (samples / 48000.0);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Processes.Result result = Processes.run(List.of(command));
        assertThat(result.exitCode()).as(result.command()).isZero();
        return result.out();
    }
}
