package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A seek-preview plugin can use the storyboard: Shaka Player in headless Chromium reads
 * {@code storyboard/thumbnails.vtt} as a thumbnails track, picks for each time the tile of the
 * cue that covers it, and the sprite sheet it names decodes in the browser.
 */
class StoryboardPlayerIT {

    @TempDir
    Path dir;

    @Test
    void shakaPicksTheRightTileOfTheRightSheet() throws Exception {
        EncodeHarness encoder = new EncodeHarness(dir);
        Path clip = SyntheticClip.video(320, 180).seconds(5).writeTo(dir.resolve("seek.mp4"));
        Path ladder = encoder.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "180:250k",
                "HLSFLEET_PICTURES_STORYBOARD_INTERVAL", "1s", "HLSFLEET_PICTURES_STORYBOARD_WIDTH", "80", "HLSFLEET_PICTURES_STORYBOARD_GRID", "2x2"));

        JsonNode report;
        try (PlayerHarness players = new PlayerHarness(dir)) {
            report = players.storyboard(dir.relativize(ladder.resolve("master.m3u8")).toString());
        }
        assertThat(report.path("fatal")).as(report.toString()).isEmpty();
        // Times 0.5, 1.5, 2.5 and 4.5 s: tiles 0, 1 and 2 of the first 2x2 sheet, tile 0 of the second.
        List<List<Object>> expected = List.of(List.of("sprite_001.jpg", 0, 0, 0.0), List.of("sprite_001.jpg", 80, 0, 1.0),
                List.of("sprite_001.jpg", 0, 45, 2.0), List.of("sprite_002.jpg", 0, 0, 4.0));
        JsonNode thumbnails = report.path("thumbnails");
        assertThat(thumbnails).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode t = thumbnails.get(i);
            List<Object> e = expected.get(i);
            assertThat(t.path("found").asBoolean()).as(t.toString()).isTrue();
            assertThat(t.path("uri").asString()).as(t.toString()).contains("/storyboard/" + e.get(0) + "#xywh=");
            assertThat(t.path("x").asInt()).as(t.toString()).isEqualTo(e.get(1));
            assertThat(t.path("y").asInt()).as(t.toString()).isEqualTo(e.get(2));
            assertThat(t.path("width").asInt() + "x" + t.path("height").asInt()).as(t.toString()).isEqualTo("80x45");
            assertThat(t.path("startTime").asDouble()).as(t.toString()).isCloseTo((Double) e.get(3), within(0.01));
            assertThat(t.path("decoded").asBoolean()).as("sprite decodes in Chromium: " + t).isTrue();
        }
    }
}
