package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Audio and video stay together in every rung, whatever the source's timestamps do. Each source
 * shows a one-frame white flash and plays a 40 ms beep at the same moments (1.3 s and 2.3 s of
 * the presentation); the test finds both in each rung and measures how far apart they are, and
 * how far apart the rung's audio and video start.
 */
class SyncIT extends EncodeStageFixture {

    private static final Pattern AUDIO_RENDITION = Pattern.compile("#EXT-X-MEDIA:TYPE=AUDIO,.*URI=\"([^\"]+)\"");

    /** The most audio and video may be apart: one frame at 25 fps. */
    private static final double TOLERANCE = 0.040;

    @Test
    void audioStartingOneSecondBeforeTheVideo() throws Exception {
        assertInSync(flashAndBeep(dir.resolve("audio-first.mp4"), 1.0, 0));
    }

    @Test
    void audioStartingHalfASecondAfterTheVideo() throws Exception {
        assertInSync(flashAndBeep(dir.resolve("audio-late.mp4"), 0, 0.5));
    }

    @Test
    void editListedFile() throws Exception {
        Path whole = flashAndBeep(dir.resolve("whole.mp4"), 0, 0);
        // Cut without re-encoding: the video starts at a keyframe before the cut, and edit lists
        // in both tracks hide what comes before 0.5 s.
        Path cut = dir.resolve("edit-list.mp4");
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-ss", "0.5", "-i", whole.toString(),
                "-c", "copy", cut.toString()));
        assertThat(Media.run(List.of("ffprobe", "-v", "error", "-show_entries", "stream=start_time", "-of", "csv=p=0",
                cut.toString()), false)).contains("0.000000");
        assertInSync(cut);
    }

    private void assertInSync(Path clip) throws Exception {
        Path ladder = harness.encode(clip, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "90:100k,144:150k",
                "HLSFLEET_PICTURES_ENABLED", "false"));
        LadderAssertions.Ladder checked = LadderAssertions.assertValidLadder(ladder, clip);
        assertThat(checked.variants()).hasSize(2);
        // Audio is a rendition of its own beside the variants (or, muxed, inside each variant); all
        // of them keep the encode's one clock.
        Matcher rendition = AUDIO_RENDITION.matcher(Files.readString(ladder.resolve("master.m3u8")));
        for (LadderAssertions.Variant variant : checked.variants()) {
            Path playlist = ladder.resolve(variant.uri());
            Path audio = rendition.find(0) ? ladder.resolve(rendition.group(1)) : playlist;
            double videoStart = Media.startTime(playlist, "v");
            double audioStart = Media.startTime(audio, "a");
            assertThat(audioStart).as("%s: first audio vs first video timestamp", variant.uri())
                    .isCloseTo(videoStart, within(TOLERANCE));
            double flash = Media.firstFlash(playlist);
            double beep = Media.firstBeep(audio);
            assertThat(beep).as(String.format(Locale.ROOT, "%s: beep at %.3f s, flash at %.3f s", variant.uri(), beep,
                    flash)).isCloseTo(flash, within(TOLERANCE));
        }
    }

    /**
     * A 3 s presentation with the flash and beep at 1.3 s and 2.3 s, whose video starts at
     * {@code videoStart} and audio at {@code audioStart} (MP4 keeps such offsets).
     */
    private static Path flashAndBeep(Path file, double videoStart, double audioStart) throws Exception {
        String flashes = String.format(Locale.ROOT, "between(t,%.3f,%.3f)+between(t,%.3f,%.3f)", 1.3 - videoStart,
                1.339 - videoStart, 2.3 - videoStart, 2.339 - videoStart);
        String beeps = String.format(Locale.ROOT, "between(t,%.3f,%.3f)+between(t,%.3f,%.3f)", 1.3 - audioStart,
                1.34 - audioStart, 2.3 - audioStart, 2.34 - audioStart);
        SyntheticClip.run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error",
                "-itsoffset", Double.toString(videoStart), "-f", "lavfi", "-t", Double.toString(3 - videoStart), "-i",
                "color=c=black:s=256x144:r=25,drawbox=c=white:t=fill:enable='" + flashes + "'",
                "-itsoffset", Double.toString(audioStart), "-f", "lavfi", "-t", Double.toString(3 - audioStart), "-i",
                "sine=f=1000:r=48000,volume=0:enable='not(" + beeps + ")'",
                "-c:v", "libx264", "-preset", "ultrafast", "-fps_mode", "passthrough", "-c:a", "aac", file.toString()));
        return file;
    }
}
