package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What is not a video, or is a hostile or broken one, ends as a non-retryable failure with a
 * reason a person understands, before (or instead of) a ladder. Real ffprobe and ffmpeg.
 */
class AdmissionIT extends EncodeStageFixture {

    private JobFailure refused(Path file) throws Exception {
        return refused(file, small);
    }

    private JobFailure refused(Path file, EncodeSettings with) throws Exception {
        JobFailure failure = harness.refuse(file, with);
        assertThat(failure.retryable()).as("refusal of %s must be final: %s", file.getFileName(), failure.reason()).isFalse();
        return failure;
    }

    @Test
    void hlsPlaylistNamedMp4ThatPointsAtALocalFile() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "do not read");
        Path playlist = Files.writeString(dir.resolve("upload.mp4"), "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
                + "file://" + secret + "\n#EXT-X-ENDLIST\n");
        assertThat(refused(playlist).reason()).contains("HLS playlist");
    }

    @Test
    void concatScriptNamedMp4() throws Exception {
        Path real = SyntheticClip.video(160, 90).writeTo(dir.resolve("real.mp4"));
        Path script = Files.writeString(dir.resolve("concat.mp4"), "ffconcat version 1.0\nfile '" + real + "'\n");
        assertThat(refused(script).reason()).contains("concat script");
    }

    @Test
    void playlistHiddenBehindLeadingBytesIsStillRefused() throws Exception {
        // No sniffing rule matches this one; the demuxer allow-list refuses it.
        byte[] junk = new byte[] {0, 1, 2, 3};
        byte[] m3u8 = "\n#EXTM3U\n#EXTINF:10,\n/etc/passwd\n".getBytes();
        byte[] file = new byte[junk.length + m3u8.length];
        System.arraycopy(junk, 0, file, 0, junk.length);
        System.arraycopy(m3u8, 0, file, junk.length, m3u8.length);
        assertThat(refused(Files.write(dir.resolve("x.ts"), file)).reason()).contains("not a video in an accepted container");
    }

    @Test
    void stillImagesAndImageSequences() throws Exception {
        Path png = dir.resolve("picture.png");
        SyntheticClip.run(List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180", "-frames:v", "1", png.toString()));
        Path renamed = Files.move(png, dir.resolve("picture.mp4"));
        assertThat(refused(renamed).reason()).contains("still image (PNG)");

        Path jpegs = dir.resolve("frames.mjpeg");
        SyntheticClip.run(List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=5", "-frames:v", "10",
                "-c:v", "mjpeg", "-f", "image2pipe", jpegs.toString()));
        assertThat(refused(Files.move(jpegs, dir.resolve("frames.mp4"))).reason()).contains("still image (JPEG)");

        Path gif = dir.resolve("anim.gif");
        SyntheticClip.run(List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=5", "-t", "1", gif.toString()));
        assertThat(refused(gif).reason()).contains("GIF");

        Path oneFrame = SyntheticClip.video(320, 180).audioTracks(0).outputArgs("-frames:v", "1")
                .writeTo(dir.resolve("one-frame.mp4"));
        assertThat(refused(oneFrame).reason()).contains("single picture");
    }

    @Test
    void textAndRandomBytes() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.mp4"), "These are my holiday videos:\n".repeat(50));
        assertThat(refused(text).reason()).isEqualTo("the file is text, not a video");

        byte[] noise = new byte[256 * 1024];
        new Random(42).nextBytes(noise);
        Path random = Files.write(dir.resolve("random.mp4"), noise);
        assertThat(refused(random).reason()).contains("not a video in an accepted container");

        assertThat(refused(Files.write(dir.resolve("empty.mp4"), new byte[0])).reason()).isEqualTo("the file is empty");
    }

    @Test
    void audioOnlyFile() throws Exception {
        Path audio = dir.resolve("song.m4a");
        SyntheticClip.run(List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", audio.toString()));
        assertThat(refused(audio).reason()).contains("no video stream");
    }

    @Test
    void truncatedMp4WithIndexAtTheEnd() throws Exception {
        Path clip = SyntheticClip.video(320, 180).seconds(3).writeTo(dir.resolve("whole.mp4"));
        Path cut = truncate(clip, dir.resolve("cut.mp4"), 0.6);
        assertThat(refused(cut).reason()).contains("incomplete").contains("cut off");
    }

    @Test
    void truncatedMp4WithIndexAtTheFront() throws Exception {
        Path clip = SyntheticClip.video(320, 180).seconds(4).faststart().writeTo(dir.resolve("whole-fs.mp4"));
        Path cut = truncate(clip, dir.resolve("cut-fs.mp4"), 0.5);
        assertThat(refused(cut).reason()).contains("truncated");
    }

    @Test
    void limitsOnSizeDurationAndStreams() throws Exception {
        Path clip = SyntheticClip.video(320, 180).seconds(3).audioTracks(3).writeTo(dir.resolve("limits.mkv"));
        assertThat(refused(clip, EncodeHarness.settings("HLSFLEET_ENCODE_MAX_WIDTH", "300")).reason())
                .isEqualTo("the video is 320x180, larger than the accepted 300x4320");
        assertThat(refused(clip, EncodeHarness.settings("HLSFLEET_ENCODE_MAX_DURATION", "2s")).reason())
                .isEqualTo("the video is 3 s long, longer than the accepted 2 s");
        assertThat(refused(clip, EncodeHarness.settings("HLSFLEET_ENCODE_MAX_STREAMS", "3")).reason())
                .isEqualTo("the file has 4 streams, more than the accepted 3");
    }

    @Test
    void portraitLimitsUseTheShortSide() throws Exception {
        Path portrait = SyntheticClip.video(180, 320).writeTo(dir.resolve("tall.mp4"));
        // 180x320 fits a 320x180 limit: limits are long side x short side.
        harness.encode(portrait, EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", EncodeHarness.SMALL_RUNGS,
                "HLSFLEET_ENCODE_MAX_WIDTH", "320", "HLSFLEET_ENCODE_MAX_HEIGHT", "180"));
    }

    private static Path truncate(Path whole, Path cut, double fraction) throws Exception {
        byte[] bytes = Files.readAllBytes(whole);
        return Files.write(cut, Arrays.copyOf(bytes, (int) (bytes.length * fraction)));
    }
}
