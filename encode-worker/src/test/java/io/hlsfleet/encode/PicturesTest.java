package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PicturesTest {

    @Test
    void settingsAndTheirDefaults() {
        assertThat(EncodeHarness.settings().pictures()).isEqualTo(Pictures.Settings.DEFAULT);
        Pictures.Settings s = EncodeHarness.settings("HLSFLEET_PICTURES_STORYBOARD_GRID", "10x4", "HLSFLEET_PICTURES_STORYBOARD_INTERVAL",
                "2s", "HLSFLEET_PICTURES_POSTER_HEIGHT", "480", "HLSFLEET_PICTURES_ENABLED", "false").pictures();
        assertThat(s).isEqualTo(new Pictures.Settings(false, 480, Duration.ofSeconds(2), 160, 10, 4));
        assertThatThrownBy(() -> EncodeHarness.settings("HLSFLEET_PICTURES_STORYBOARD_GRID", "ten"))
                .hasMessageContaining("HLSFLEET_PICTURES_STORYBOARD_GRID=ten is not COLUMNSxROWS");
    }

    @Test
    void sizesFollowTheDisplayedPictureAndNeverUpscaleThePoster() {
        Pictures.Sizes hd = Pictures.Sizes.of(new MediaInfo("mov", 1920, 1080, 60, 25, 0, 1), Pictures.Settings.DEFAULT);
        assertThat(hd).isEqualTo(new Pictures.Sizes(1280, 720, 160, 90));
        Pictures.Sizes portrait = Pictures.Sizes.of(new MediaInfo("mov", 360, 640, 60, 25, 0, 1), Pictures.Settings.DEFAULT);
        assertThat(portrait).isEqualTo(new Pictures.Sizes(360, 640, 160, 284));
    }

    @Test
    void aChunkMakesThePicturesWhoseMomentsFallInItNumberedForTheWholeVideo() {
        // A 300 s video at 25 fps, its chunk from 66 s to 132 s: thumbnails every 5 s from 70 s
        // (number 14, counted from 0) to 130 s, poster candidates every 37.5 s from 18.75 s: the
        // third and fourth, at 93.75 s and 131.25 s.
        MediaInfo media = new MediaInfo("mov", 1280, 720, 300, 25, 0, 1);
        Pictures.Target chunk = new Pictures.Target(media, new Pictures.Window(66, 66), Path.of("/part/pictures"));
        assertThat(Pictures.graph(chunk, Pictures.Settings.DEFAULT))
                .contains("[poster]setpts=PTS-STARTPTS,trim=start=27.7300,setpts=PTS-STARTPTS,fps=8/300.000:round=up,")
                .contains("[thumbs]setpts=PTS-STARTPTS,trim=start=3.9800,setpts=PTS-STARTPTS,fps=1000/5000:round=up,");
        assertThat(Pictures.outputs(chunk, Pictures.Settings.DEFAULT)).containsSubsequence(
                "-map", "[posterout]", "-frames:v", "2", "-start_number", "3", "/part/pictures/candidate_%03d.png",
                "-map", "[thumbsout]", "-frames:v", "13", "-start_number", "15", "/part/pictures/thumb_%05d.png");
        // The last chunk takes every moment to the end; a chunk starting on a moment skips nothing.
        Pictures.Target last = new Pictures.Target(media, new Pictures.Window(264, 0), Path.of("/part/pictures"));
        assertThat(Pictures.outputs(last, Pictures.Settings.DEFAULT))
                .doesNotContain("-frames:v").containsSubsequence("-start_number", "54", "/part/pictures/thumb_%05d.png");
        assertThat(Pictures.graph(new Pictures.Target(media, new Pictures.Window(60, 60), Path.of("/part/pictures")),
                Pictures.Settings.DEFAULT))
                .contains("[thumbs]setpts=PTS-STARTPTS,fps=1000/5000:round=up");
    }

    /**
     * A chunk between two poster candidates has no poster branch: an output that never gets a
     * frame would hold back ffmpeg's progress reports, and so the watchdog's view, to the chunk's end.
     */
    @Test
    void aChunkWithoutAPosterCandidateHasNoPosterBranch() {
        MediaInfo media = new MediaInfo("mov", 1280, 720, 300, 25, 0, 1);
        Pictures.Target between = new Pictures.Target(media, new Pictures.Window(140, 12), Path.of("/part/pictures"));
        assertThat(Pictures.branches(between, Pictures.Settings.DEFAULT)).containsExactly("thumbs");
        List<String> cmd = FfmpegLadderCommand.build(EncodeHarness.settings(), media,
                LadderPlanner.plan(media, EncodeHarness.settings()), Path.of("/in"), Path.of("/part"), between);
        String graph = cmd.get(cmd.indexOf("-filter_complex") + 1);
        int variants = LadderPlanner.plan(media, EncodeHarness.settings()).size();
        assertThat(graph).contains("split=" + (variants + 1)).contains("[thumbs]").doesNotContain("poster");
        assertThat(cmd).doesNotContain("[posterout]").contains("[thumbsout]");
    }

    @Test
    void graphBranchesAndOutputs() {
        MediaInfo media = new MediaInfo("mov", 1280, 720, 40, 25, 0, 1);
        Pictures.Target whole = Pictures.Target.whole(media, Path.of("/scratch/ladder"));
        assertThat(Pictures.graph(whole, Pictures.Settings.DEFAULT)).isEqualTo(
                ";[poster]setpts=PTS-STARTPTS,trim=start=2.4800,setpts=PTS-STARTPTS,fps=8/40.000:round=up"
                        + ",scale=1280:720:flags=bicubic,setsar=1,format=rgb24[posterout]"
                        + ";[thumbs]setpts=PTS-STARTPTS,fps=1000/5000:round=up,scale=160:90:flags=bicubic,setsar=1,format=rgb24[thumbsout]");
        assertThat(Pictures.outputs(whole, Pictures.Settings.DEFAULT)).containsSubsequence("-map", "[posterout]", "-c:v", "png",
                "-compression_level", "0", "/scratch/ladder.pictures/candidate_%03d.png", "-map", "[thumbsout]",
                "/scratch/ladder.pictures/thumb_%05d.png");
        List<String> cmd = FfmpegLadderCommand.build(EncodeHarness.settings(), media,
                LadderPlanner.plan(media, EncodeHarness.settings()), Path.of("/in"), Path.of("/scratch/ladder"));
        assertThat(cmd.getLast()).isEqualTo("/scratch/ladder.pictures/thumb_%05d.png");
    }

    /**
     * The poster score is the entropy of the brightness histogram, whatever the image's layout: ffmpeg's
     * PNGs come back as 8-bit BGR bytes, a packed or grey image is read through its colour model.
     */
    @Test
    void scoreIsTheEntropyOfTheBrightnessWhateverTheLayout() {
        // Four brightness levels in equal parts: exactly 2 bits.
        int[] colours = {0x000000, 0x404040, 0x808080, 0xFF0000};
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB,
                BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_4BYTE_ABGR}) {
            BufferedImage image = new BufferedImage(40, 10, type);
            for (int x = 0; x < 40; x++) {
                for (int y = 0; y < 10; y++) {
                    image.setRGB(x, y, 0xFF000000 | colours[x / 10]);
                }
            }
            assertThat(Pictures.score(image)).as("image type %d", type).isCloseTo(2.0, within(1e-9));
        }
        // Red weighs 0.299: pure red is brightness 76 whichever way it is read.
        BufferedImage bgr = new BufferedImage(2, 1, BufferedImage.TYPE_3BYTE_BGR);
        bgr.setRGB(0, 0, 0xFF0000);
        bgr.setRGB(1, 0, 0x4C4C4C);
        assertThat(Pictures.score(bgr)).isZero();
        BufferedImage grey = new BufferedImage(20, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 255);
        assertThat(Pictures.score(grey)).isCloseTo(-(0.05 * Math.log(0.05) + 0.95 * Math.log(0.95)) / Math.log(2),
                within(1e-9));
    }

    @Test
    void webVttTimestamps() {
        assertThat(Pictures.timestamp(0)).isEqualTo("00:00:00.000");
        assertThat(Pictures.timestamp(3725.5)).isEqualTo("01:02:05.500");
    }
}
