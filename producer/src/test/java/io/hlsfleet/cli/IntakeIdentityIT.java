package io.hlsfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.testing.SyntheticClip;
import io.hlsfleet.worker.JobListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whoever writes to the intake queue chooses a source, not an identity: a JSON job that names
 * another video's id, a job id that climbs out of its folder and outputs of its own touches
 * nothing of the other video.
 */
class IntakeIdentityIT {

    @TempDir
    Path tmp;

    private final LinkedBlockingQueue<Job> published = new LinkedBlockingQueue<>();
    private final List<Job> seenByDownload = new CopyOnWriteArrayList<>();

    @Test
    void aSubmissionCannotTakeAnotherVideosIdentity() throws Exception {
        Path victimSource = SyntheticClip.video(320, 180).seconds(2).writeTo(tmp.resolve("victim.mp4"));
        Path otherSource = SyntheticClip.video(320, 180).seconds(2).fps("15").writeTo(tmp.resolve("other.mp4"));
        Path staging = Files.createDirectories(tmp.resolve("staging"));
        Path bucket = Files.createDirectories(tmp.resolve("bucket"));
        Settings settings = Settings.of(Map.of("HLSFLEET_ENCODE_PRESET", "ultrafast"));

        try (EmbeddedFleet fleet = new EmbeddedFleet(settings, List.of(), staging, bucket, listener())) {
            Job victim = Job.submit(victimSource.toString(), false);
            fleet.submit(victim);
            Job victimPublished = published.poll(3, TimeUnit.MINUTES);
            assertThat(victimPublished).as("the first submission published within 3 minutes").isNotNull();
            assertThat(victimPublished.videoId()).isEqualTo(victim.videoId());
            Map<String, String> victimLadder = digests(bucket.resolve(victim.videoId()));
            assertThat(victimLadder).containsKey("master.m3u8");

            fleet.submitRaw(("""
                    {"jobId": "../../../victim-job", "videoId": "%s", "sourceUrl": "%s", "stage": "DOWNLOAD",
                     "outputs": {"source": "jobs/%s/source", "ladder": "../bucket/%s"}}
                    """.formatted(victim.videoId(), otherSource, victim.jobId(), victim.videoId()))
                    .getBytes(StandardCharsets.UTF_8));
            Job other = published.poll(3, TimeUnit.MINUTES);

            assertThat(other).as("the submission is published under its own identity").isNotNull();
            assertThat(other.videoId()).isEqualTo(VideoId.fromSource(otherSource.toString()));
            assertThat(other.jobId()).isNotEqualTo(victim.jobId()).doesNotContain("..", "/");
            assertThat(seenByDownload.getLast().outputs().source()).as("outputs are never taken from a submitter")
                    .isNull();
            assertThat(digests(bucket.resolve(victim.videoId()))).as("the other video's ladder")
                    .isEqualTo(victimLadder);
            assertThat(bucket.resolve(other.videoId()).resolve("master.m3u8")).exists();
            try (Stream<Path> top = Files.list(tmp)) {
                assertThat(top.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("victim.mp4", "other.mp4", "staging", "bucket");
            }
        }
    }

    private JobListener listener() {
        return new JobListener() {
            @Override
            public void started(Stage stage, Job job) {
                if (stage == Stage.DOWNLOAD) {
                    seenByDownload.add(job);
                }
            }

            @Override
            public void succeeded(Stage stage, Job job, Stage nextStage) {
                if (nextStage == null) {
                    published.add(job);
                }
            }
        };
    }

    /** Every file under {@code dir} with a digest of its bytes, so any rewrite shows. */
    private static Map<String, String> digests(Path dir) throws IOException {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                digests.put(dir.relativize(file).toString(), sha256(file));
            }
        }
        return digests;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
