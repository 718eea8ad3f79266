package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.SyntheticClip;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every ladder comes with a poster and a storyboard: made by the real encode stage, read back with
 * ffprobe and ImageIO, and each storyboard tile compared with the source's frame at its cue time.
 */
class PicturesIT extends EncodeStageFixture {

    private static final Pattern CUE = Pattern.compile(
            "(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3}) --> (\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3})\\n(sprite_\\d{3}\\.jpg)#xywh=(\\d+),(\\d+),(\\d+),(\\d+)");

    /** One storyboard cue: its time range and the tile it points at. */
    record Cue(double start, double end, String sprite, int x, int y, int w, int h) {
    }

    @Test
    void posterIsADetailedFrameAndTheStoryboardPointsAtTheRightTiles() throws Exception {
        // A fade from black over the first second: the first candidate frames are black or dim.
        Path clip = SyntheticClip.video(320, 180).seconds(5).videoFilter("fade=in:st=0:d=1.5")
                .writeTo(dir.resolve("fade.mp4"));
        EncodeSettings settings = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "144:150k,180:250k",
                "HLSFLEET_PICTURES_STORYBOARD_INTERVAL", "1s", "HLSFLEET_PICTURES_STORYBOARD_WIDTH", "80", "HLSFLEET_PICTURES_STORYBOARD_GRID", "2x2",
                "HLSFLEET_PICTURES_POSTER_HEIGHT", "144");
        Path ladder = harness.encode(clip, settings);
        LadderAssertions.assertValidLadder(ladder, clip);

        assertThat(harness.lastOutputs().pictures()).containsExactly("poster.jpg", "poster.webp",
                "storyboard/thumbnails.vtt", "storyboard/sprite_001.jpg", "storyboard/sprite_002.jpg");
        try (var files = Files.walk(ladder)) {
            assertThat(files.map(Path::toString)).as("work files left in the ladder").noneMatch(f -> f.endsWith(".png"));
        }

        // Poster: decodable in both formats, at the asked size, not the black start of the fade.
        BufferedImage poster = ImageIO.read(ladder.resolve("poster.jpg").toFile());
        assertThat(poster.getWidth() + "x" + poster.getHeight()).isEqualTo("256x144");
        JsonNode webp = Media.stream(ladder.resolve("poster.webp"));
        assertThat(webp.path("codec_name").asString()).isEqualTo("webp");
        assertThat(webp.path("width").asInt() + "x" + webp.path("height").asInt()).isEqualTo("256x144");
        Media.run(List.of("ffmpeg", "-v", "error", "-i", ladder.resolve("poster.webp").toString(), "-f", "null", "-"), true);
        BufferedImage black = frame(clip, 0.0, 256, 144);
        assertThat(Pictures.score(poster)).isGreaterThan(Pictures.score(black) + 2);

        // Storyboard: 5 s at one thumbnail a second on 2x2 sheets: 4 tiles on the first, 1 on the second.
        List<Cue> cues = cues(Files.readString(ladder.resolve("storyboard/thumbnails.vtt")));
        assertThat(cues).hasSize(5);
        BufferedImage first = ImageIO.read(ladder.resolve("storyboard/sprite_001.jpg").toFile());
        BufferedImage second = ImageIO.read(ladder.resolve("storyboard/sprite_002.jpg").toFile());
        assertThat(first.getWidth() + "x" + first.getHeight()).isEqualTo("160x90");
        assertThat(second.getWidth() + "x" + second.getHeight()).isEqualTo("80x45");
        for (int i = 0; i < cues.size(); i++) {
            Cue cue = cues.get(i);
            assertThat(cue.start()).as("cue %d start", i).isEqualTo(i);
            assertThat(cue.end()).as("cue %d end", i).isCloseTo(i + 1, within(0.1));
            assertThat(cue.sprite()).isEqualTo(i < 4 ? "sprite_001.jpg" : "sprite_002.jpg");
            assertThat(List.of(cue.x(), cue.y(), cue.w(), cue.h())).isEqualTo(List.of((i % 2) * 80, (i % 4) / 2 * 45, 80, 45));
        }
        // Each tile shows the source at its cue's start, not at a neighbouring cue's.
        List<BufferedImage> sourceFrames = new ArrayList<>();
        for (Cue cue : cues) {
            sourceFrames.add(frame(clip, cue.start(), 80, 45));
        }
        for (int i = 0; i < cues.size(); i++) {
            Cue cue = cues.get(i);
            BufferedImage sheet = cue.sprite().equals("sprite_001.jpg") ? first : second;
            BufferedImage tile = sheet.getSubimage(cue.x(), cue.y(), cue.w(), cue.h());
            int closest = 0;
            for (int j = 1; j < sourceFrames.size(); j++) {
                if (difference(tile, sourceFrames.get(j)) < difference(tile, sourceFrames.get(closest))) {
                    closest = j;
                }
            }
            assertThat(closest).as("the source frame tile %d looks like", i).isEqualTo(i);
        }
    }

    @Test
    void picturesCanBeTurnedOff() throws Exception {
        Path clip = SyntheticClip.video(320, 180).writeTo(dir.resolve("plain.mp4"));
        Path ladder = harness.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "180:250k",
                "HLSFLEET_PICTURES_ENABLED", "false"));
        assertThat(ladder.resolve("poster.jpg")).doesNotExist();
        assertThat(ladder.resolve("storyboard")).doesNotExist();
        assertThat(harness.lastOutputs().pictures()).isNull();
    }

    static List<Cue> cues(String vtt) {
        assertThat(vtt).startsWith("WEBVTT\n");
        List<Cue> cues = new ArrayList<>();
        Matcher m = CUE.matcher(vtt);
        while (m.find()) {
            cues.add(new Cue(seconds(m, 1), seconds(m, 5), m.group(9), Integer.parseInt(m.group(10)),
                    Integer.parseInt(m.group(11)), Integer.parseInt(m.group(12)), Integer.parseInt(m.group(13))));
        }
        return cues;
    }

    private static double seconds(Matcher m, int group) {
        return Integer.parseInt(m.group(group)) * 3600 + Integer.parseInt(m.group(group + 1)) * 60
                + Integer.parseInt(m.group(group + 2)) + Integer.parseInt(m.group(group + 3)) / 1000.0;
    }

    /** The source's frame at {@code seconds}, scaled as a thumbnail is. */
    private BufferedImage frame(Path clip, double seconds, int w, int h) throws Exception {
        Path png = dir.resolve(String.format(Locale.ROOT, "frame-%.2f-%dx%d.png", seconds, w, h));
        Media.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-i", clip.toString(), "-ss",
                Double.toString(seconds), "-frames:v", "1", "-vf", "scale=" + w + ":" + h, png.toString()), true);
        return ImageIO.read(png.toFile());
    }

    /** Mean absolute difference of the green channel, 0 for equal pictures. */
    private static double difference(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                sum += Math.abs(((a.getRGB(x, y) >> 8) & 0xFF) - ((b.getRGB(x, y) >> 8) & 0xFF));
            }
        }
        return (double) sum / (a.getWidth() * a.getHeight());
    }
}
