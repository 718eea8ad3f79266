package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A three-minute video encoded in chunks of at most a minute (with its audio, subtitles-free, and
 * pictures as one more piece) and put together is the ladder one ffmpeg writes: the same segments
 * under the same numbers and frames, on one clock with the sound (shifted from the one-ffmpeg
 * ladder's by at most the encoder's reorder delay), and no gap or overlap where one chunk meets the next.
 */
class ChunkedEncodeIT {

    private static final ChunkProperties ONE_MINUTE = new ChunkProperties(true, Duration.ofMinutes(2),
            Duration.ofSeconds(60));

    @TempDir
    static Path dir;

    static Path clip;


    @BeforeAll
    static void source() throws Exception {
        clip = SyntheticClip.video(256, 144).seconds(180).writeTo(dir.resolve("three-minutes.mp4"));
    }

    /**
     * Once with B-frames and once without: an encoder that sends frames ahead of their display
     * starts its video early, by a delay each chunk must not make up on its own.
     */
    @ParameterizedTest(name = "preset {0}")
    @ValueSource(strings = {"ultrafast", "veryfast"})
    void chunksMakeTheOneFfmpegLadder(String preset) throws Exception {
        Ladders ladders = encodeBothWays(preset, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "90:100k,144:150k",
                "HLSFLEET_ENCODE_PRESET", preset));
        Path whole = ladders.whole();
        Path chunked = ladders.chunked();
        LadderEncoder.Result result = ladders.result();
        LadderAssertions.assertValidLadder(chunked, clip);
        // The chunks made the pictures, each those of its own stretch: the same storyboard.
        assertThat(result.pictures()).isNotEmpty().allSatisfy(p -> assertThat(chunked.resolve(p)).isRegularFile());
        assertThat(chunked.resolve(Pictures.STORYBOARD)).hasSameTextualContentAs(whole.resolve(Pictures.STORYBOARD));

        // The chunked ladder may start at another time than the one-ffmpeg ladder, but by one offset
        // for every frame of every variant and for the sound: the same video, in sync, without seams.
        double offset = firstPts(chunked.resolve("audio/a0/seg_00000.ts"), "a:0")
                - firstPts(whole.resolve("audio/a0/seg_00000.ts"), "a:0");
        assertThat(Math.abs(offset)).as("offset of the chunked ladder's clock").isLessThan(0.2);
        for (PlannedVariant variant : result.variants()) {
            List<String> segments = LadderCheck.entries(chunked.resolve(variant.name()).resolve("index.m3u8"));
            assertThat(segments).as(variant.name())
                    .isEqualTo(LadderCheck.entries(whole.resolve(variant.name()).resolve("index.m3u8")))
                    .hasSize(30);
            double frame = 1 / 25.0;
            double previousLast = Double.NaN;
            for (String segment : segments) {
                double[] mine = videoPts(chunked.resolve(variant.name()).resolve(segment));
                double[] theirs = videoPts(whole.resolve(variant.name()).resolve(segment));
                assertThat(mine.length).as("frames of %s/%s", variant.name(), segment).isEqualTo(theirs.length)
                        .isEqualTo(150);
                assertThat(mine[0] - theirs[0]).as("start of %s/%s against the sound", variant.name(), segment)
                        .isCloseTo(offset, within(0.001));
                if (!Double.isNaN(previousLast)) {
                    assertThat(mine[0] - previousLast).as("gap before %s/%s", variant.name(), segment)
                            .isCloseTo(frame, within(0.001));
                }
                previousLast = mine[mine.length - 1];
            }
        }
        assertThat(MasterPlaylist.segmentDurations(chunked.resolve("audio/a0/index.m3u8")))
                .isEqualTo(MasterPlaylist.segmentDurations(whole.resolve("audio/a0/index.m3u8")));
    }

    /**
     * Under capped CRF a rung's bits follow the picture alone, so chunks encoded apart spend what
     * one ffmpeg spends on the same frames (one-pass ABR, by contrast, steers by the bits spent so
     * far, which a chunk does not know).
     */
    @Test
    void underCappedCrfTheChunkedLadderHasTheOneFfmpegLaddersBitrate() throws Exception {
        Ladders ladders = encodeBothWays("crf", EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "90:100k,144:150k",
                "HLSFLEET_ENCODE_PRESET", "veryfast", "HLSFLEET_ENCODE_CRF", "26"));
        for (PlannedVariant variant : ladders.result().variants()) {
            long whole = segmentBytes(ladders.whole().resolve(variant.name()));
            long chunked = segmentBytes(ladders.chunked().resolve(variant.name()));
            assertThat((double) chunked / whole).as("bytes of the chunked %s against one ffmpeg's (%d)",
                    variant.name(), whole).isCloseTo(1, within(0.02));
        }
    }

    /** A video without sound or subtitles: its last part has nothing to do. */
    @Test
    void theLastPartOfASilentVideoWritesNothing() throws Exception {
        EncodeSettings settings = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "90:100k,144:150k");
        LadderEncoder encoder = new LadderEncoder(settings, EncodeMetrics.none());
        Path silent = SyntheticClip.video(256, 144).seconds(12).audioTracks(0).writeTo(dir.resolve("silent.mp4"));
        MediaInfo media = Prober.of(settings).probe(silent);
        Path rest = dir.resolve("silent-rest");
        encoder.encodeRest(silent, media, rest, EncodeHarness.NO_PROGRESS);
        try (var files = Files.walk(rest)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    private record Ladders(Path whole, Path chunked, LadderEncoder.Result result) {
    }

    /** The clip encoded by one ffmpeg and in chunks of at most a minute put together, the latter checked. */
    private static Ladders encodeBothWays(String name, EncodeSettings settings) throws Exception {
        Path whole = dir.resolve(name + "-whole");
        LadderEncoder encoder = new LadderEncoder(settings, EncodeMetrics.none());
        encoder.encode(clip, Prober.of(settings).probe(clip), whole, EncodeHarness.NO_PROGRESS);
        EncodeHarness.ChunkedLadder chunked = EncodeHarness.encodeInChunks(clip, settings, ONE_MINUTE,
                dir.resolve(name + "-chunked"));
        assertThat(chunked.plan().chunks()).extracting(ChunkPlan.Chunk::firstSegment)
                .containsExactly(0, 10, 15, 20, 24, 26, 28);
        return new Ladders(whole, chunked.dir(), chunked.result());
    }

    private static long segmentBytes(Path variant) throws Exception {
        long bytes = 0;
        for (String segment : LadderCheck.entries(variant.resolve("index.m3u8"))) {
            bytes += Files.size(variant.resolve(segment));
        }
        return bytes;
    }

    /** The presentation times of a segment's video frames, in order. */
    private static double[] videoPts(Path segment) throws Exception {
        return pts(segment, "v:0");
    }

    private static double firstPts(Path segment, String stream) throws Exception {
        return pts(segment, stream)[0];
    }

    /** The presentation times of the packets of one stream of a segment, in order. */
    private static double[] pts(Path segment, String stream) throws Exception {
        String out = Media.run(List.of("ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
                "packet=pts_time", "-of", "csv=p=0", segment.toString()), false);
        return Arrays.stream(out.split("\\R")).map(String::strip).map(l -> l.replace(",", ""))
                .filter(l -> !l.isEmpty()).mapToDouble(Double::parseDouble).sorted().toArray();
    }
}
