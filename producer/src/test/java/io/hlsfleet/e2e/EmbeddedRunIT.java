package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.hlsfleet.job.VideoId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hlsfleet run LIST}: the whole pipeline in one process, as a user with one machine runs it. */
class EmbeddedRunIT {

    @TempDir
    Path tmp;

    @Test
    void publishesEveryReadableItemAndNamesTheOnesThatFailed() throws Exception {
        Path clips = tmp.resolve("clips");
        Path first = TestClips.generate(clips, "first clip.mp4", 1920, 1080, 4);
        Path second = TestClips.generate(clips, "second.mp4", 1920, 1080, 3);
        Path notVideo = Files.writeString(clips.resolve("notes.mp4"), "these are not moving pictures\n");
        Path missing = clips.resolve("missing.mp4");
        Path list = Files.writeString(tmp.resolve("list.txt"), String.join("\n",
                "# holiday clips", first.toString(), "", second.toString(), notVideo.toString(), missing.toString(), ""));
        Path bucket = tmp.resolve("cdn-bucket");

        ProcessBuilder builder = new ProcessBuilder(Project.java(), "-jar", Project.jar("producer").toString(),
                "run", "--out", bucket.toString(), list.toString());
        // These tests check the pipeline, not picture quality: the fastest preset keeps them short.
        builder.environment().put("HLSFLEET_ENCODE_PRESET", "ultrafast");
        Process run = builder
                .redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile())
                .start();
        assertThat(run.waitFor(10, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8);
        String err = Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8);

        assertThat(run.exitValue()).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(1);
        assertThat(out).contains("2 of 4 videos published");
        assertThat(err).contains("FAILED " + missing + ": download: cannot read local file");
        assertThat(err).containsPattern("FAILED " + java.util.regex.Pattern.quote(notVideo.toString()) + ": encode: .+");
        LadderVerifier.verify(bucket, VideoId.fromSource(first.toString()), first, List.of(360, 720, 1080));
        LadderVerifier.verify(bucket, VideoId.fromSource(second.toString()), second, List.of(360, 720, 1080));
        assertThat(bucket.resolve(VideoId.fromSource(notVideo.toString()))).doesNotExist();
        try (var left = Files.list(bucket)) {
            assertThat(left.toList()).hasSize(2);
        }
    }

    @Test
    void aListOfGoodItemsExitsZero() throws Exception {
        Path clip = TestClips.generate(tmp.resolve("clips"), "small.mp4", 640, 360, 2);
        Path bucket = tmp.resolve("out");
        Process run = new ProcessBuilder(Project.java(), "-jar", Project.jar("producer").toString(),
                "run", "--out", bucket.toString(), "-")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("log.txt").toFile()).start();
        try (var stdin = run.getOutputStream()) {
            stdin.write((clip + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertThat(run.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(run.exitValue()).as(Files.readString(tmp.resolve("log.txt"))).isZero();
        LadderVerifier.verify(bucket, VideoId.fromSource(clip.toString()), clip, List.of(360));
    }
}
