package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.KeyStore;
import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.worker.JobContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

        // A job from an encoder that named no generation is published as the attempt that staged it.
        assertThat(outputs).isEqualTo(job.outputs().withGeneration("a1", null));
        assertThat(files(bucket.resolve(job.videoId()))).containsExactly("a1/360p/index.m3u8", "a1/360p/seg_00001.ts",
                "a1/720p/index.m3u8", "a1/720p/seg_00001.ts", "a1/master.m3u8", "master.m3u8");
        assertThat(bucket.resolve(job.videoId()).resolve("master.m3u8"))
                .hasContent("#EXTM3U\na1/360p/index.m3u8\na1/720p/index.m3u8\n");
        // Two rungs of a 14-byte playlist and a 100-byte segment, and the 40-byte master.
        assertThat(bytes.get("out")).as("bytes reported as moved out").isEqualTo(2 * (14 + 100) + 40);
        assertThat(staging.exists(job.outputs().ladder())).as("the staged ladder").isFalse();
        assertThat(staging.exists(job.outputs().source())).as("the staged source").isFalse();
        assertThat(files(tmp.resolve("staging/scratch"))).as("scratch files left").isEmpty();
    }

    /**
     * Once a chunked video's ladder (their generation) is published, everything staged for the job
     * goes: its chunks, and what a duplicate split or an abandoned assembly left, which only a late
     * duplicate would read (it then finds the generation published).
     */
    @Test
    void everythingStagedForAChunkedVideoIsDeletedOnceItIsPublished() throws Exception {
        Job job = Job.submit("https://videos.example/long.mp4", false);
        Job encoded = encoded(job, "l1");
        Job chunked = encoded.advance(Stage.UPLOAD, encoded.outputs().withGeneration("plan0123456789ab", null));
        Path chunk = Files.createDirectories(tmp.resolve("chunk/360p"));
        Files.writeString(chunk.resolve("seg_00000.ts"), "segment");
        staging.store(StagingKeys.chunked(job, "plan0123456789ab") + "/part-0-x", chunk.getParent());
        Path other = Files.createDirectories(tmp.resolve("other/360p"));
        Files.writeString(other.resolve("seg_00000.ts"), "segment");
        staging.store(StagingKeys.chunked(job, "otherplan0123456") + "/part-0-y", other.getParent());

        stage.process(chunked, context);

        assertThat(bucket.resolve(job.videoId()).resolve("plan0123456789ab/master.m3u8")).isRegularFile();
        assertThat(staging.exists(StagingKeys.chunked(job, "plan0123456789ab"))).as("the published chunks").isFalse();
        assertThat(staging.exists(StagingKeys.chunked(job, "otherplan0123456"))).as("another split's chunks").isFalse();
        assertThat(files(tmp.resolve("staging/jobs"))).as("files staged for the job").isEmpty();
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
        assertThat(stage.process(published, context)).isEqualTo(published.outputs().withGeneration("e1", null));
        assertThat(bucket.resolve(published.videoId()).resolve("master.m3u8")).isRegularFile();
    }

    /** {@link #encoded} with the generation and staged AES-128 key an encrypting encoder hands on. */
    private Job encrypted(Job job, String attempt, byte[] key) throws Exception {
        Job encoded = encoded(job, attempt);
        Path keyFile = Files.write(tmp.resolve("key-" + attempt), key);
        staging.store(StagingKeys.key(job, attempt), keyFile);
        return encoded.advance(Stage.UPLOAD, encoded.outputs().withGeneration(attempt, StagingKeys.key(job, attempt)));
    }

    private KeyStore keyStore(Path keys) throws Exception {
        return KeyStore.from(Settings.of(Map.of("HLSFLEET_ENCRYPTION", "aes-128",
                "HLSFLEET_ENCRYPTION_KEY_STORE", keys.toUri().toString(), "HLSFLEET_BUCKET", bucket.toString())));
    }

    @Test
    void aGenerationsKeyReachesTheKeyStoreWhenItsLadderIsPublished() throws Exception {
        Path keys = tmp.resolve("keys");
        LocalObjectStore cdn = new LocalObjectStore(bucket);
        UploadStage withKeys = new UploadStage(staging, cdn, 4, keyStore(keys),
                new OldGenerations(cdn, null, java.time.Duration.ofHours(1), java.time.Clock.systemUTC()));
        Job job = Job.submit("https://videos.example/secret.mp4", false);
        Job first = encrypted(job, "k1", new byte[16]);
        Job second = encrypted(job, "k2", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        assertThat(keys).as("no key before its ladder is published").isEmptyDirectory();

        withKeys.process(first, context);
        Path firstKey = keys.resolve(KeyStore.keyName(job.videoId(), "k1"));
        assertThat(firstKey).hasBinaryContent(new byte[16]);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(firstKey))).isEqualTo("rw-------");
        assertThat(staging.exists(first.outputs().key())).as("the staged key").isFalse();
        assertThat(staging.exists(second.outputs().key())).as("the other attempt's key").isTrue();
        assertThat(files(bucket)).noneMatch(name -> name.endsWith(".key"));

        withKeys.process(second, context);
        assertThat(firstKey).as("a republish leaves the key of the generation players may still play")
                .hasBinaryContent(new byte[16]);
        assertThat(keys.resolve(KeyStore.keyName(job.videoId(), "k2"))).hasSize(16);
    }

    @Test
    void anEncryptedLadderWithoutAKeyStoreFailsForGoodAndPublishesNothing() throws Exception {
        Job job = encrypted(Job.submit("https://videos.example/nokeys.mp4", false), "n1", new byte[16]);

        JobFailure failure = catchThrowableOfType(JobFailure.class, () -> stage.process(job, context));

        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.reason()).contains("HLSFLEET_ENCRYPTION_KEY_STORE");
        assertThat(bucket.resolve(job.videoId())).doesNotExist();
    }

    @Test
    void aKeyStoreInsideThePublicBucketIsRefusedAtStartUp() {
        Map<String, String> env = Map.of("HLSFLEET_ENCRYPTION", "aes-128",
                "HLSFLEET_ENCRYPTION_KEY_STORE", "s3://cdn/hls/keys", "HLSFLEET_BUCKET", "s3://cdn/hls");
        assertThatThrownBy(() -> UploadStageFactory.create(staging, new LocalObjectStore(bucket), Settings.of(env)))
                .hasMessageContaining("inside the public bucket");
        assertThatThrownBy(() -> UploadStageFactory.create(staging, new LocalObjectStore(bucket),
                Settings.of(Map.of("HLSFLEET_ENCRYPTION", "aes-128")))).hasMessageContaining("HLSFLEET_ENCRYPTION_KEY_STORE");
    }
}
