package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.testing.ScriptedOrigin;
import io.hlsfleet.testing.VideoPages;
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

    /**
     * Page URLs as users paste them, resolved by yt-dlp through the guarded proxy: each page's
     * video is published as a ladder under the id of the video found there, with its title shown;
     * a hostile page fails with its reason and its refused listener sees no connection.
     */
    @Test
    void publishesTheVideosOfWebPages() throws Exception {
        try (ScriptedOrigin refused = ScriptedOrigin.on("127.0.0.2");
                VideoPages pages = VideoPages.serve("127.0.0.1", Files.createDirectories(tmp.resolve("site")), refused)) {
            List<String> good = List.of(pages.url(VideoPages.VIDEO_TAG), pages.url(VideoPages.OPEN_GRAPH),
                    pages.url(VideoPages.JSON_LD), pages.url(VideoPages.HLS));
            String hostile = pages.url("/refused-segments.html");
            Path bucket = tmp.resolve("out");
            Process run = new ProcessBuilder(Project.java(), "-jar", Project.jar("producer").toString(),
                    "run", "--allow-network", "127.0.0.1/32", "--out", bucket.toString(), "-")
                    .redirectOutput(tmp.resolve("out.txt").toFile())
                    .redirectError(tmp.resolve("err.txt").toFile()).start();
            try (var stdin = run.getOutputStream()) {
                stdin.write((String.join("\n", good) + "\n" + hostile + "\n").getBytes(StandardCharsets.UTF_8));
            }
            assertThat(run.waitFor(10, TimeUnit.MINUTES)).isTrue();
            String out = Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8);
            String err = Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8);

            assertThat(run.exitValue()).as("stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(1);
            assertThat(out).contains("4 of 5 videos published");
            assertThat(out).contains("\"JSON-LD clip\"").contains("\"Open Graph clip\"");
            assertThat(err).contains("FAILED " + hostile + ": download: the page leads to an address that is refused")
                    .contains("loopback");
            List<String> published = out.lines().map(String::strip).filter(line -> line.endsWith("/master.m3u8"))
                    .map(line -> Path.of(line).getParent().getFileName().toString()).toList();
            assertThat(published).hasSize(4).doesNotHaveDuplicates()
                    .noneMatch(id -> good.stream().anyMatch(url -> VideoId.fromSource(url).equals(id)));
            for (String videoId : published) {
                LadderVerifier.verify(bucket, videoId, pages.clip(), List.of(360));
            }
            assertThat(refused.accepted()).isZero();
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
