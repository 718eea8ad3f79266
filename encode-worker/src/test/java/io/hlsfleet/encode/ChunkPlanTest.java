package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkPlanTest {

    private static ChunkProperties chunks(int thresholdSeconds, int chunkSeconds) {
        return new ChunkProperties(true, Duration.ofSeconds(thresholdSeconds), Duration.ofSeconds(chunkSeconds));
    }

    @Test
    void aLongVideoIsCutIntoChunksOfWholeSegmentsThatShrinkTowardsItsEnd() {
        // 31 segments: two chunks of 10, then the last 11 segments in chunks of a quarter of what
        // is left, down to two segments.
        ChunkPlan plan = ChunkPlan.of(185.5, 6, chunks(120, 60));
        assertThat(plan.chunks()).containsExactly(
                new ChunkPlan.Chunk(0, 0, 10, 0, 60),
                new ChunkPlan.Chunk(1, 10, 10, 60, 60),
                new ChunkPlan.Chunk(2, 20, 4, 120, 24),
                new ChunkPlan.Chunk(3, 24, 3, 144, 18),
                new ChunkPlan.Chunk(4, 27, 2, 162, 12),
                new ChunkPlan.Chunk(5, 29, 2, 174, 11.5));
        // Ten minutes: eight chunks of a minute, then 30, 30, 24 and three times 12 s.
        assertThat(ChunkPlan.of(600, 6, chunks(120, 60)).chunks()).extracting(ChunkPlan.Chunk::segments)
                .containsExactly(10, 10, 10, 10, 10, 10, 10, 10, 5, 5, 4, 2, 2, 2);
    }

    @Test
    void theEndIsSharedEvenlyAndNoChunkIsLongerThanTheChunkLength() {
        // Seven segments left over: 3 and 2 and 2, not 2, 2, 2 and a last one of 1.
        assertThat(ChunkPlan.of(78, 6, chunks(60, 36)).chunks()).extracting(ChunkPlan.Chunk::segments)
                .containsExactly(6, 3, 2, 2);
        // Chunks of one segment stay one segment long to the end.
        assertThat(ChunkPlan.of(30, 6, chunks(20, 6)).chunks()).extracting(ChunkPlan.Chunk::segments)
                .containsExactly(1, 1, 1, 1, 1);
    }

    @Test
    void theLogLineNamesWhereEachChunkStarts() {
        assertThat(ChunkPlan.of(78, 6, chunks(60, 36)).summary())
                .isEqualTo("4 chunks of 6 s segments; chunks start at segments 0, 6, 9, 11");
    }

    @Test
    void theChunkLengthIsRoundedUpToWholeSegments() {
        ChunkPlan plan = ChunkPlan.of(200, 6, chunks(120, 50));
        assertThat(plan.chunks()).extracting(ChunkPlan.Chunk::startSeconds)
                .containsExactly(0, 54, 108, 132, 150, 168, 180, 192);
        assertThat(plan.chunks().getFirst().segments()).isEqualTo(9);
        assertThat(plan.chunks().getLast().seconds()).isEqualTo(8);
    }

    @Test
    void aFewFramesPastTheLastSegmentMakeNoChunkOfTheirOwn() {
        assertThat(ChunkPlan.of(180.002, 6, chunks(120, 60)).chunks()).extracting(ChunkPlan.Chunk::segments)
                .containsExactly(10, 5, 5, 4, 2, 2, 2);
    }

    @Test
    void shortVideosAndChunkingOffKeepTheOneFfmpegPath() {
        assertThat(ChunkPlan.of(120, 6, chunks(120, 60)).chunked()).isFalse();
        assertThat(ChunkPlan.of(3600, 6, ChunkProperties.OFF).chunked()).isFalse();
        // Longer than the threshold but not longer than one chunk: nothing to share.
        assertThat(ChunkPlan.of(130, 6, chunks(120, 300)).chunked()).isFalse();
    }

    @Test
    void aChunkLengthBelowOneSecondIsRefused() {
        assertThatThrownBy(() -> new ChunkProperties(true, Duration.ofMinutes(2), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theChunkCommandSeeksTheInputAndPlacesTheOutput() {
        List<String> whole = List.of("ffmpeg", "-protocol_whitelist", "file", "-f", "mov", "-i", "file:/s.mp4",
                "-map", "[v0]", "-f", "hls", "-hls_time", "6", "out/%v/index.m3u8");
        ChunkPlan.Chunk chunk = new ChunkPlan.Chunk(1, 10, 10, 60, 60);
        assertThat(LadderEncoder.chunkCommand(whole, chunk, false, 0.021333)).containsExactly("ffmpeg", "-protocol_whitelist",
                "file", "-ss", "60", "-t", "60.000", "-f", "mov", "-i", "file:/s.mp4", "-map", "[v0]",
                "-output_ts_offset", "60.021333", "-start_number", "10", "-f", "hls", "-hls_time", "6", "out/%v/index.m3u8");
        assertThat(LadderEncoder.chunkCommand(whole, chunk, true, 0)).doesNotContain("-t");
    }

    @Test
    void withoutAudioTheLadderOptionsAreLeftOut() {
        List<String> command = List.of("ffmpeg", "-i", "file:/s.mp4", "-filter_complex", "[0:0]split=2[poster][thumbs]",
                "-map_metadata", "-1", "-c:v", "libx264", "-profile:v", "high", "-map", "[posterout]", "-c:v", "png",
                "p_%03d.png");
        assertThat(LadderEncoder.withoutLadderOptions(command)).containsExactly("ffmpeg", "-i", "file:/s.mp4",
                "-filter_complex", "[0:0]split=2[poster][thumbs]", "-map", "[posterout]", "-c:v", "png", "p_%03d.png");
    }
}
