package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.worker.JobContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upload stage on a local staging area and bucket: what it publishes, what it deletes, how it fails. */
class UploadStageTest {

    @TempDir
    Path tmp;

    private LocalStagingArea staging;
    private Path bucket;
    private UploadStage stage;
    private final Map<String, Long> bytes = new ConcurrentHashMap<>();
    private final JobContext context = new JobContext() {
        @Override
        public void progress(double fraction, String detail) {
        }

        @Override
        public void bytes(String direction, long count) {
            bytes.merge(direction, count, Long::sum);
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        staging = new LocalStagingArea(tmp.resolve("staging"));
        bucket = tmp.resolve("bucket");
        stage = new UploadStage(staging, new LocalObjectStore(bucket), 4);
    }

    /** Stages a two-rung ladder and a source as the encode stage leaves them; returns the job at the upload stage. */
    private Job encoded(String url, String attempt) throws Exception {
        return encoded(Job.submit(url, false), attempt);
    }

    /** As {@link #encoded(String, String)}, for one more attempt of {@code job}. */
    private Job encoded(Job job, String attempt) throws Exception {
        Path ladder = Files.createDirectories(tmp.resolve("encoded-" + attempt));
        for (String rung : List.of("360p", "720p")) {
            Files.createDirectories(ladder.resolve(rung));
            Files.writeString(ladder.resolve(rung + "/index.m3u8"), "#EXTM3U\n#" + rung + "\n");
            Files.write(ladder.resolve(rung + "/seg_00001.ts"), new byte[100]);
        }
        Files.writeString(ladder.resolve("master.m3u8"), "#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
        String ladderKey = StagingKeys.ladder(job, attempt);
        String sourceKey = StagingKeys.source(job, attempt);
        staging.store(ladderKey, ladder);
        staging.store(sourceKey, Files.writeString(tmp.resolve("source-" + attempt), "source bytes"));
        return job.advance(Stage.UPLOAD, StageOutputs.NONE.withSource(sourceKey, 12).withLadder(ladderKey, 2.0));
    }

    private List<String> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void publishesTheStagedLadderUnderTheVideoIdThenDeletesWhatItWasHanded() throws Exception {
        Job job = encoded("https://videos.example/a.mp4", "a1");

        StageOutputs outputs = stage.process(job, context);

        assertThat(outputs).isEqualTo(job.outputs());
        assertThat(files(bucket.resolve(job.videoId()))).containsExactly("360p/index.m3u8", "360p/seg_00001.ts",
                "720p/index.m3u8", "720p/seg_00001.ts", "master.m3u8");
        assertThat(bucket.resolve(job.videoId()).resolve("master.m3u8"))
                .hasContent("#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
        // Two rungs of a 14-byte playlist and a 100-byte segment, and the 40-byte master.
        assertThat(bytes.get("out")).as("bytes reported as moved out").isEqualTo(2 * (14 + 100) + 40);
        assertThat(staging.exists(job.outputs().ladder())).as("the staged ladder").isFalse();
        assertThat(staging.exists(job.outputs().source())).as("the staged source").isFalse();
        assertThat(files(tmp.resolve("staging/scratch"))).as("scratch files left").isEmpty();
    }

    @Test
    void anotherAttemptsStagedFilesAreLeftAlone() throws Exception {
        Job job = Job.submit("https://videos.example/b.mp4", false);
        Job first = encoded(job, "b1");
        Job second = encoded(job, "b2");

        stage.process(first, context);

        assertThat(staging.exists(first.outputs().ladder())).isFalse();
        assertThat(staging.exists(second.outputs().ladder())).as("the other attempt's ladder").isTrue();
        assertThat(staging.exists(second.outputs().source())).as("the other attempt's source").isTrue();
    }

    @Test
    void aJobWithoutALadderFailsForGood() {
        Job job = Job.submit("https://videos.example/c.mp4", false).advance(Stage.UPLOAD, StageOutputs.NONE);

        JobFailure failure = catchThrowableOfType(JobFailure.class, () -> stage.process(job, context));

        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.reason()).isEqualTo("the job reached the upload without an encoded ladder");
        assertThat(bucket.resolve(job.videoId())).doesNotExist();
    }

    @Test
    void aLadderMissingFromStagingIsRetriedUnlessItIsPublishedAlready() throws Exception {
        Job job = encoded("https://videos.example/d.mp4", "d1");
        staging.delete(job.outputs().ladder());

        JobFailure failure = catchThrowableOfType(JobFailure.class, () -> stage.process(job, context));
        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.reason()).isEqualTo("the encoded ladder is not in staging");
        assertThat(bucket.resolve(job.videoId())).doesNotExist();

        // A redelivery of a job whose first run published and cleaned up is done, not failed.
        Job published = encoded("https://videos.example/e.mp4", "e1");
        stage.process(published, context);
        assertThat(stage.process(published, context)).isEqualTo(published.outputs());
        assertThat(bucket.resolve(published.videoId()).resolve("master.m3u8")).isRegularFile();
    }
}
