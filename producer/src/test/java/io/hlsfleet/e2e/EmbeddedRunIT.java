package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.ScriptedOrigin;
import io.hlsfleet.testing.SyntheticClip;
import io.hlsfleet.testing.VideoPages;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hlsfleet run LIST}: the whole pipeline in one process, as a user with one machine runs it. */
class EmbeddedRunIT {

    @TempDir
    Path tmp;

    @Test
    void publishesEveryReadableItemAndNamesTheOnesThatFailed() throws Exception {
        Path clips = tmp.resolve("clips");
        Path first = SyntheticClip.generate(clips, "first clip.mp4", 1920, 1080, 4);
        Path second = SyntheticClip.generate(clips, "second.mp4", 1920, 1080, 3);
        Path notVideo = Files.writeString(clips.resolve("notes.mp4"), "these are not moving pictures\n");
        Path missing = clips.resolve("missing.mp4");
        Path list = Files.writeString(tmp.resolve("list.txt"), String.join("\n",
                "# holiday clips", first.toString(), "", second.toString(), notVideo.toString(), missing.toString(), ""));
        Path bucket = tmp.resolve("cdn-bucket");

        // These tests check the pipeline, not picture quality: the fastest preset keeps them short.
        Processes.Result run = Cli.run(Map.of("HLSFLEET_ENCODE_PRESET", "ultrafast"),
                List.of("run", "--out", bucket.toString(), list.toString()), null, Duration.ofMinutes(10));
        String out = run.out();
        String err = run.err();

        assertThat(run.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(1);
        assertThat(out).contains("2 of 4 videos published");
        assertThat(err).contains("FAILED " + missing + ": download: cannot read local file");
        assertThat(err).containsPattern("FAILED " + java.util.regex.Pattern.quote(notVideo.toString()) + ": encode: .+");
        LadderAssertions.assertLadder(bucket, VideoId.fromSource(first.toString()), first, List.of(360, 720, 1080));
        LadderAssertions.assertLadder(bucket, VideoId.fromSource(second.toString()), second, List.of(360, 720, 1080));
        assertThat(bucket.resolve(VideoId.fromSource(notVideo.toString()))).doesNotExist();
        try (var left = Files.list(bucket)) {
            assertThat(left.toList()).hasSize(2);
        }
    }

    /**
     * Webhooks in {@code hlsfleet run}: the sender runs in the process, and the command ends only
     * once the terminal events of its jobs are delivered, a first failed try included.
     */
    @Test
    void runSendsTheWebhooksOfItsJobsBeforeItEnds() throws Exception {
        List<JobEvent> received = new CopyOnWriteArrayList<>();
        AtomicInteger requests = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean signed = exchange.getRequestHeaders().getFirst("X-Hlsfleet-Signature") != null;
            if (requests.incrementAndGet() == 1 || !signed) {
                exchange.sendResponseHeaders(503, -1);
            } else {
                received.add(JobCodec.fromJson(new String(body, StandardCharsets.UTF_8), JobEvent.class));
                exchange.sendResponseHeaders(200, -1);
            }
            exchange.close();
        });
        receiver.start();
        try {
            Path clip = SyntheticClip.generate(tmp.resolve("clips"), "hooked.mp4", 640, 360, 2);
            Path missing = tmp.resolve("clips").resolve("missing.mp4");
            Processes.Result run = Cli.run(Map.of("HLSFLEET_ENCODE_PRESET", "ultrafast",
                            "HLSFLEET_WEBHOOK_URL", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks",
                            "HLSFLEET_WEBHOOK_SECRET", "run secret", "HLSFLEET_WEBHOOK_BACKOFF", "200ms"),
                    List.of("run", "--out", tmp.resolve("out").toString(), "-"), clip + "\n" + missing + "\n",
                    Duration.ofMinutes(5));

            assertThat(run.exitCode()).as("stderr:%n%s", run.err()).isEqualTo(1);
            assertThat(received).extracting(JobEvent::type)
                    .containsExactlyInAnyOrder(JobEvent.Type.PUBLISHED, JobEvent.Type.DEAD);
            assertThat(requests).hasValue(3);
        } finally {
            receiver.stop(0);
        }
    }

    /**
     * Page and feed URLs as users paste them, resolved by yt-dlp through the guarded proxy: each
     * page's video is published as a ladder under the id of the video found there, with its title
     * shown, and each of the three clips of a feed as a video of its own; a hostile page, a feed
     * with a document type naming /etc/passwd and a feed entry on a refused address fail with their
     * reasons, and the refused listener sees no connection.
     */
    @Test
    void publishesTheVideosOfWebPagesAndFeeds() throws Exception {
        try (ScriptedOrigin refused = ScriptedOrigin.on("127.0.0.2");
                VideoPages pages = VideoPages.serve("127.0.0.1", Files.createDirectories(tmp.resolve("site")), refused)) {
            List<String> good = List.of(pages.url(VideoPages.VIDEO_TAG), pages.url(VideoPages.OPEN_GRAPH),
                    pages.url(VideoPages.JSON_LD), pages.url(VideoPages.HLS));
            String hostile = pages.url("/refused-segments.html");
            String xxe = pages.url(VideoPages.XXE_FEED);
            List<String> items = new ArrayList<>(good);
            items.addAll(List.of(hostile, pages.url(VideoPages.FEED), xxe, pages.url(VideoPages.REFUSED_FEED)));
            Path bucket = tmp.resolve("out");
            Processes.Result run = Cli.run(Map.of(),
                    List.of("run", "--allow-network", "127.0.0.1/32", "--out", bucket.toString(), "-"),
                    String.join("\n", items) + "\n", Duration.ofMinutes(10));
            String out = run.out();
            String err = run.err();

            // The feeds are not videos; their four entries are.
            assertThat(run.exitCode()).as("stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(1);
            assertThat(out).contains("7 of 10 videos published").contains("lists 3 videos");
            assertThat(out).contains("\"JSON-LD clip\"").contains("\"Open Graph clip\"");
            assertThat(err).contains("FAILED " + hostile + ": download: the page leads to an address that is refused")
                    .contains("loopback");
            assertThat(err).contains("FAILED " + xxe + ": download: the feed declares a document type")
                    .contains("FAILED " + refused.url("/clip.mp4") + ": download: ").doesNotContain("root:");
            List<String> published = out.lines().map(String::strip).filter(line -> line.endsWith("/master.m3u8"))
                    .map(line -> Path.of(line).getParent().getFileName().toString()).toList();
            assertThat(published).hasSize(7).doesNotHaveDuplicates()
                    .noneMatch(id -> good.stream().anyMatch(url -> VideoId.fromSource(url).equals(id)));
            for (String videoId : published) {
                LadderAssertions.assertLadder(bucket, videoId, pages.clip(), List.of(360));
            }
            assertThat(refused.accepted()).isZero();
        }
    }

    /** With chunking on, a long video's chunks are jobs of the in-process encode queue, put together into one ladder. */
    @Test
    void aLongVideoIsEncodedInChunks() throws Exception {
        Path clip = SyntheticClip.generate(tmp.resolve("clips"), "lecture.mp4", 320, 180, 30);
        Path bucket = tmp.resolve("out");
        Processes.Result run = Cli.run(Map.of("HLSFLEET_ENCODE_PRESET", "ultrafast", "HLSFLEET_LOG_LEVEL", "INFO",
                        "HLSFLEET_ENCODE_CHUNK_ENABLED", "true", "HLSFLEET_ENCODE_CHUNK_THRESHOLD", "10s",
                        "HLSFLEET_ENCODE_CHUNK_SECONDS", "18s"),
                List.of("run", "--out", bucket.toString(), "-"), clip + "\n", Duration.ofMinutes(10));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        // 30 s in 6 s segments, under two chunks of 18 s, so all in the shrinking chunks of a
        // plan's end: segments 0-2 and 3-4, and the audio.
        assertThat(run.err()).contains("encode split into 3 parts")
                .contains("2 chunks of 6 s segments; chunks start at segments 0, 3");
        assertThat(run.err().lines().filter(line -> line.matches(".*encode part \\d of 3 done.*")).count())
                .as("parts that finished without handing on").isEqualTo(2);
        LadderAssertions.assertLadder(bucket, VideoId.fromSource(clip.toString()), clip, List.of(180));
    }

    @Test
    void aListOfGoodItemsExitsZero() throws Exception {
        Path clip = SyntheticClip.generate(tmp.resolve("clips"), "small.mp4", 640, 360, 2);
        Path bucket = tmp.resolve("out");
        Processes.Result run = Cli.run(Map.of(), List.of("run", "--out", bucket.toString(), "-"), clip + "\n",
                Duration.ofMinutes(5));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        LadderAssertions.assertLadder(bucket, VideoId.fromSource(clip.toString()), clip, List.of(360));
    }
}
