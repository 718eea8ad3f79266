package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.storage.s3.S3Location;
import io.hlsfleet.storage.s3.S3ObjectStore;
import io.hlsfleet.storage.s3.S3StagingArea;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.S3ServerExtension;
import io.hlsfleet.testing.TinyLadder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The done-when check of S3 publishing: a ladder staged in one bucket and published by the upload
 * stage to another plays from it; and how a ladder gets there, copied on the server or uploaded. Every playlist and segment is fetched anonymously over plain
 * HTTP from the S3 server, with the right Content-Type, and ffmpeg decodes the ladder from those
 * URLs.
 */
class S3LadderPlaybackIT {

    private static final Pattern MAP_URI = Pattern.compile("#EXT-X-MAP:.*URI=\"([^\"]+)\"");

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("staging", "cdn");

    @TempDir
    Path tmp;

    /** Encodes a two-rung HLS ladder of a synthetic clip, as the encode stage would. */
    private static Path encodeLadder(Path dir, boolean fmp4) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=4",
                "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
                "-map", "0:v", "-map", "1:a", "-map", "0:v", "-map", "1:a",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac",
                "-s:v:0", "640x360", "-s:v:1", "320x180",
                "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod"));
        if (fmp4) {
            cmd.addAll(List.of("-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
                    "-hls_segment_filename", dir + "/%v/seg_%05d.m4s"));
        } else {
            cmd.addAll(List.of("-hls_segment_filename", dir + "/%v/seg_%05d.ts"));
        }
        cmd.addAll(List.of("-master_pl_name", "master.m3u8",
                "-var_stream_map", "v:0,a:0,name:360p v:1,a:1,name:180p", dir + "/%v/index.m3u8"));
        run(cmd);
        return dir;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        return Processes.check(cmd).strip();
    }

    private List<String> keys(String bucket, String prefix) {
        return S3.server().admin().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    private static String expectedType(String url) {
        if (url.endsWith(".m3u8")) {
            return "application/vnd.apple.mpegurl";
        }
        if (url.endsWith(".ts")) {
            return "video/mp2t";
        }
        if (url.endsWith(".m4s")) {
            return "video/iso.segment";
        }
        return "video/mp4";
    }

    /**
     * Follows the ladder from its master playlist over anonymous HTTP, as a player does, checking
     * every response; returns every URL it fetched.
     */
    private static Set<URI> crawl(URI master) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        Set<URI> seen = new LinkedHashSet<>();
        Deque<URI> queue = new ArrayDeque<>(List.of(master));
        while (!queue.isEmpty()) {
            URI url = queue.poll();
            if (!seen.add(url)) {
                continue;
            }
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(url).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).as("GET %s", url).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).as("Content-Type of %s", url)
                    .hasValue(expectedType(url.getPath()));
            assertThat(response.body()).as(url.toString()).isNotEmpty();
            if (url.getPath().endsWith(".m3u8")) {
                assertThat(response.headers().firstValue("Cache-Control")).as(url.toString()).hasValue("public, max-age=60");
                for (String line : new String(response.body(), StandardCharsets.UTF_8).lines().toList()) {
                    Matcher map = MAP_URI.matcher(line);
                    if (map.find()) {
                        queue.add(url.resolve(map.group(1)));
                    } else if (!line.isBlank() && !line.startsWith("#")) {
                        queue.add(url.resolve(line.strip()));
                    }
                }
            } else {
                assertThat(response.headers().firstValue("Cache-Control")).as(url.toString())
                        .hasValueSatisfying(v -> assertThat(v).contains("immutable"));
            }
        }
        return seen;
    }

    private void publishAndPlay(String name, boolean fmp4) throws Exception {
        Job submitted = Job.submit("https://videos.example/" + name + ".mp4", false);
        String videoId = submitted.videoId();
        String sourceKey = StagingKeys.source(submitted, StagingKeys.newAttempt());
        String ladderKey = StagingKeys.ladder(submitted, StagingKeys.newAttempt());
        Job job = submitted.advance(Stage.UPLOAD, StageOutputs.NONE.withSource(sourceKey, 6).withLadder(ladderKey, 2));
        Path ladder = encodeLadder(tmp.resolve("encoded-" + name), fmp4);
        try (S3StagingArea staging = new S3StagingArea(S3Location.parse("s3://staging/fleet"),
                     S3.server().settings(tmp.resolve("scratch")));
             S3ObjectStore cdn = new S3ObjectStore(S3Location.parse("s3://cdn/hls"),
                     S3.server().settings(tmp.resolve("scratch"), 16L << 20, ObjectCannedACL.PUBLIC_READ))) {
            staging.store(ladderKey, ladder);
            staging.store(sourceKey, Files.writeString(tmp.resolve("source-" + name), "source"));

            new UploadStage(staging, cdn, 4).process(job, (fraction, detail) -> { });

            assertThat(keys("staging", "fleet/" + StagingKeys.jobPrefix(job))).as("staging is cleaned").isEmpty();
            assertThat(tmp.resolve("scratch")).as("scratch is cleaned").isEmptyDirectory();
        }

        URI master = S3.server().objectUrl("cdn", "hls/" + videoId + "/master.m3u8");
        Set<URI> fetched = crawl(master);
        // Every object of the ladder is reachable from the master, and nothing else was published
        // but the generation's own master playlist.
        String generation = StagingKeys.attemptOf(ladderKey);
        List<String> published = keys("cdn", "hls/" + videoId + "/").stream()
                .filter(k -> !k.equals("hls/" + videoId + "/" + generation + "/master.m3u8")).toList();
        assertThat(published).allMatch(k -> k.equals("hls/" + videoId + "/master.m3u8")
                || k.startsWith("hls/" + videoId + "/" + generation + "/"));
        assertThat(published).hasSize(fetched.size());
        assertThat(fetched).extracting(URI::getPath)
                .containsExactlyInAnyOrderElementsOf(published.stream().map(k -> "/cdn/" + k).toList());
        assertThat(published).anyMatch(k -> k.endsWith(fmp4 ? ".m4s" : ".ts"));

        // A player's view: ffprobe finds both renditions through the master URL...
        String heights = run(List.of("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                "stream=height", "-of", "csv=p=0", master.toString()));
        // (ffprobe lists each stream once per program as well, hence distinct.)
        assertThat(heights.lines().map(String::strip).filter(h -> !h.isEmpty()).distinct().sorted().toList())
                .containsExactly("180", "360");
        // ...and every frame of every rendition decodes from the bucket.
        for (String rendition : List.of("360p", "180p")) {
            URI playlist = S3.server().objectUrl("cdn", "hls/" + videoId + "/" + generation + "/" + rendition
                    + "/index.m3u8");
            run(List.of("ffmpeg", "-v", "error", "-xerror", "-i", playlist.toString(), "-f", "null", "-"));
            String duration = run(List.of("ffprobe", "-v", "error", "-show_entries", "format=duration",
                    "-of", "default=nw=1:nk=1", playlist.toString()));
            assertThat(Double.parseDouble(duration)).as("duration of %s", rendition).isBetween(3.5, 4.5);
        }
    }

    @Test
    void aTsLadderPublishedToS3PlaysFromIt() throws Exception {
        publishAndPlay("ts-clip", false);
    }

    @Test
    void anFmp4LadderPublishedToS3PlaysFromIt() throws Exception {
        publishAndPlay("fmp4-clip", true);
    }

    @Test
    void aLadderMissingFromStagingIsRetriedAndLeavesNoScratch() throws Exception {
        Job submitted = Job.submit("https://videos.example/never-encoded.mp4", false);
        Job job = submitted.advance(Stage.UPLOAD,
                StageOutputs.NONE.withLadder(StagingKeys.ladder(submitted, StagingKeys.newAttempt()), 2));
        try (S3StagingArea staging = new S3StagingArea(S3Location.parse("s3://staging/fleet"),
                     S3.server().settings(tmp.resolve("scratch")));
             S3ObjectStore cdn = new S3ObjectStore(S3Location.parse("s3://cdn/hls"), S3.server().settings(tmp.resolve("scratch")))) {
            assertThatThrownBy(() -> new UploadStage(staging, cdn, 4).process(job, (fraction, detail) -> { }))
                    .isInstanceOf(JobFailure.class)
                    .hasMessageContaining("not in staging")
                    .satisfies(e -> assertThat(((JobFailure) e).retryable()).isTrue());
            assertThat(tmp.resolve("scratch")).isEmptyDirectory();
        }
    }

    // Publishing from staging on S3: a server-side copy when bucket and staging share the server.

    @Test
    void aLadderStagedOnTheSameServerIsCopiedServerSideMasterLast() throws Exception {
        try (S3StagingArea staging = new S3StagingArea(S3Location.parse("s3://staging/fleet"),
                     S3.server().settings(tmp.resolve("scratch")));
             S3ObjectStore cdn = new S3ObjectStore(S3Location.parse("s3://cdn/videos"), S3.server().settings(tmp.resolve("scratch")))) {
            RecordingBucket bucket = new RecordingBucket(cdn);
            staging.store("jobs/job-6/ladder", TinyLadder.write(tmp.resolve("ladder"), 3));
            assertThat(cdn.canCopyFrom(staging)).isTrue();

            Path scratch = staging.newScratch("job-6");
            long bytes = new LadderPublisher(bucket, 4).publishStaged("vid-6", "g6", staging, "jobs/job-6/ladder", scratch,
                    LadderPublisher.BeforeSwitch.NOTHING);

            assertThat(bucket.copied).as("the generation, its own master last").hasSize(9).last()
                    .isEqualTo("vid-6/g6/master.m3u8");
            assertThat(bucket.uploaded).as("the master at the video's root, rewritten").containsExactly("vid-6/master.m3u8");
            assertThat(scratch).as("nothing else passes through this machine").isEmptyDirectory();
            assertThat(bytes).isEqualTo(LocalFiles.relativeFiles(tmp.resolve("ladder")).stream()
                    .mapToLong(f -> tmp.resolve("ladder").resolve(f).toFile().length()).sum());
            HeadObjectResponse playlist = S3.server().admin().headObject(b -> b.bucket("cdn").key("videos/vid-6/g6/720p/index.m3u8"));
            assertThat(playlist.contentType()).isEqualTo("application/vnd.apple.mpegurl");
            assertThat(playlist.cacheControl()).isEqualTo(ContentTypes.PLAYLIST.cacheControl());
            HeadObjectResponse segment = S3.server().admin().headObject(b -> b.bucket("cdn").key("videos/vid-6/g6/360p/seg_00001.ts"));
            assertThat(segment.contentType()).isEqualTo("video/mp2t");
            assertThat(segment.cacheControl()).contains("immutable");
            assertThat(S3.server().admin().getObjectAsBytes(b -> b.bucket("cdn").key("videos/vid-6/g6/720p/index.m3u8")).asUtf8String())
                    .isEqualTo("#EXTM3U\n#720p\n");
        }
    }

    @Test
    void aLadderStagedElsewhereIsFetchedAndUploaded() throws Exception {
        LocalStagingArea local = new LocalStagingArea(tmp.resolve("local-staging"));
        try (S3ObjectStore cdn = new S3ObjectStore(S3Location.parse("s3://cdn/local"), S3.server().settings(tmp.resolve("scratch")))) {
            RecordingBucket bucket = new RecordingBucket(cdn);
            Path work = local.newScratch("job-7");
            local.store("jobs/job-7/ladder", TinyLadder.write(work.resolve("ladder"), 2));
            assertThat(cdn.canCopyFrom(local)).isFalse();
            new LadderPublisher(bucket, 4).publishStaged("vid-7", "g7", local, "jobs/job-7/ladder", local.newScratch("job-7"),
                    LadderPublisher.BeforeSwitch.NOTHING);
            assertThat(bucket.copied).isEmpty();
            assertThat(bucket.uploaded).hasSize(8).last().isEqualTo("vid-7/master.m3u8");
            assertThat(bucket.uploaded.get(6)).isEqualTo("vid-7/g7/master.m3u8");
            assertThat(keys("cdn", "local/vid-7/")).hasSize(8);
        }
    }

    @Test
    void publishingWhatWasNeverStagedIsNoSuchFile() throws Exception {
        try (S3StagingArea staging = new S3StagingArea(S3Location.parse("s3://staging/fleet"),
                     S3.server().settings(tmp.resolve("scratch")));
             S3ObjectStore cdn = new S3ObjectStore(S3Location.parse("s3://cdn/videos"), S3.server().settings(tmp.resolve("scratch")))) {
            LadderPublisher publisher = new LadderPublisher(cdn, 4);
            assertThatThrownBy(() -> publisher.publishStaged("vid-8", "g8", staging, "jobs/job-8/ladder",
                    staging.newScratch("job-8"), LadderPublisher.BeforeSwitch.NOTHING))
                    .isInstanceOf(NoSuchFileException.class);
            assertThat(publisher.isPublished("vid-8")).isFalse();
        }
    }
}
