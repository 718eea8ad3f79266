package io.hlsfleet.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.LadderPublisher;
import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.storage.StagingArea.StagedFile;
import io.hlsfleet.testing.S3ServerExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Staging in a bucket, against a real S3 server (S3Proxy), as workers that share no disk use it. */
class S3StagingAreaIT {

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("staging", "cdn");

    @TempDir
    Path tmp;

    private S3StagingArea staging() throws IOException {
        return new S3StagingArea(S3Location.parse("s3://staging/fleet"), S3.server().settings(tmp.resolve("scratch")));
    }

    private List<String> keys(String bucket, String prefix) {
        return S3.server().admin().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    private Path ladder(Path dir, int segments) throws IOException {
        for (String variant : List.of("360p", "720p")) {
            Files.createDirectories(dir.resolve(variant));
            Files.writeString(dir.resolve(variant + "/index.m3u8"), "#EXTM3U\n#" + variant + "\n");
            for (int i = 0; i < segments; i++) {
                Files.write(dir.resolve(variant + "/seg_0000" + i + ".ts"), new byte[1000 + i]);
            }
        }
        Files.writeString(dir.resolve("master.m3u8"), "#EXTM3U\n");
        return dir;
    }

    @Test
    void aStoredFileIsFetchedIntoScratchSpace() throws Exception {
        try (S3StagingArea staging = staging()) {
            Path scratch = staging.newScratch("job-1");
            assertThat(scratch).isEmptyDirectory().startsWith(tmp.resolve("scratch"));
            Path source = Files.writeString(scratch.resolve("source"), "video bytes");
            staging.store("jobs/job-1/source", source);
            assertThat(keys("staging", "fleet/jobs/job-1/")).containsExactly("fleet/jobs/job-1/source");

            Path elsewhere = staging.newScratch("job-1");
            Path fetched = staging.fetch("jobs/job-1/source", elsewhere);
            assertThat(fetched).isEqualTo(elsewhere.resolve("source")).hasContent("video bytes");
            staging.deleteScratch(scratch);
            staging.deleteScratch(elsewhere);
            assertThat(tmp.resolve("scratch")).isEmptyDirectory();
        }
    }

    @Test
    void aStoredDirectoryIsFetchedAsTheSameTree() throws Exception {
        try (S3StagingArea staging = staging()) {
            Path ladder = ladder(tmp.resolve("ladder"), 3);
            staging.store("jobs/job-2/ladder", ladder);
            assertThat(staging.list("jobs/job-2/ladder")).extracting(StagedFile::name).containsExactly(
                    "360p/index.m3u8", "360p/seg_00000.ts", "360p/seg_00001.ts", "360p/seg_00002.ts",
                    "720p/index.m3u8", "720p/seg_00000.ts", "720p/seg_00001.ts", "720p/seg_00002.ts", "master.m3u8");
            assertThat(staging.list("jobs/job-2/ladder")).filteredOn(f -> f.name().equals("720p/seg_00002.ts"))
                    .extracting(StagedFile::size).containsExactly(1002L);

            Path fetched = staging.fetch("jobs/job-2/ladder", staging.newScratch("job-2"));
            assertThat(fetched.getFileName().toString()).isEqualTo("ladder");
            assertThat(LocalFiles.relativeFiles(fetched)).isEqualTo(LocalFiles.relativeFiles(ladder));
            for (String file : LocalFiles.relativeFiles(ladder)) {
                assertThat(Files.readAllBytes(fetched.resolve(file))).as(file).isEqualTo(Files.readAllBytes(ladder.resolve(file)));
            }
        }
    }

    @Test
    void twoAttemptsOfOneJobKeepTheirOwnLadders() throws Exception {
        try (S3StagingArea staging = staging()) {
            staging.store("jobs/job-3/ladder-a", ladder(tmp.resolve("first"), 4));
            staging.store("jobs/job-3/ladder-b", ladder(tmp.resolve("second"), 2));
            assertThat(staging.list("jobs/job-3/ladder-a")).hasSize(11);
            assertThat(staging.list("jobs/job-3/ladder-b")).hasSize(7);
            staging.delete("jobs/job-3/ladder-b");
            assertThat(staging.list("jobs/job-3/ladder-a")).as("after the other attempt's ladder is deleted").hasSize(11);
        }
    }

    @Test
    void fetchingWhatWasNeverStoredIsNoSuchFile() throws Exception {
        try (S3StagingArea staging = staging()) {
            Path scratch = staging.newScratch("job-4");
            assertThatThrownBy(() -> staging.fetch("jobs/job-4/source", scratch)).isInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> staging.fetch("jobs/job-4/ladder", scratch)).isInstanceOf(NoSuchFileException.class);
            assertThat(staging.list("jobs/job-4/ladder")).isEmpty();
            assertThat(scratch).isEmptyDirectory();
        }
    }

    @Test
    void deleteRemovesEverythingUnderThePrefixOverManyPagesAndNothingElse() throws Exception {
        try (S3StagingArea staging = staging(); ExecutorService pool = Executors.newFixedThreadPool(16)) {
            // More objects than one ListObjectsV2 page or one DeleteObjects request holds.
            List<Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < 1105; i++) {
                String key = "fleet/jobs/job-5/ladder/seg_" + i + ".ts";
                puts.add(pool.submit(() -> S3.server().admin().putObject(b -> b.bucket("staging").key(key), RequestBody.fromString("x"))));
            }
            for (Future<?> put : puts) {
                put.get();
            }
            staging.store("jobs/job-5/source", Files.writeString(tmp.resolve("source"), "s"));
            // A job whose id starts with the same characters must survive.
            staging.store("jobs/job-55/source", Files.writeString(tmp.resolve("other"), "s"));

            staging.delete("jobs/job-5");
            assertThat(keys("staging", "fleet/jobs/job-5/")).isEmpty();
            assertThat(keys("staging", "fleet/jobs/job-5")).containsExactly("fleet/jobs/job-55/source");
            staging.delete("jobs/never-staged");
        }
    }

    /** Records the order in which objects reach the bucket, around a real S3 bucket. */
    private static final class Recording implements ObjectStore {
        final S3ObjectStore delegate;
        final List<String> copied = new CopyOnWriteArrayList<>();
        final List<String> uploaded = new CopyOnWriteArrayList<>();

        Recording(S3ObjectStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void put(String key, Path file, ContentTypes.Kind kind) throws IOException {
            delegate.put(key, file, kind);
            uploaded.add(key);
        }

        @Override
        public boolean exists(String key) throws IOException {
            return delegate.exists(key);
        }

        @Override
        public boolean canCopyFrom(StagingArea staging) {
            return delegate.canCopyFrom(staging);
        }

        @Override
        public void copyFrom(StagingArea staging, String stagedKey, String key, ContentTypes.Kind kind) throws IOException {
            delegate.copyFrom(staging, stagedKey, key, kind);
            copied.add(key);
        }

        @Override
        public int sweep(Instant cutoff) throws IOException {
            return delegate.sweep(cutoff);
        }

        @Override
        public String describe() {
            return delegate.describe();
        }
    }

    @Test
    void aLadderStagedOnTheSameServerIsCopiedServerSideMasterLast() throws Exception {
        try (S3StagingArea staging = staging();
             S3ObjectStore cdn = new S3ObjectStore(S3Location.parse("s3://cdn/videos"), S3.server().settings(tmp.resolve("scratch")))) {
            Recording bucket = new Recording(cdn);
            staging.store("jobs/job-6/ladder", ladder(tmp.resolve("ladder"), 3));
            assertThat(cdn.canCopyFrom(staging)).isTrue();

            Path scratch = staging.newScratch("job-6");
            long bytes = new LadderPublisher(bucket, 4).publishStaged("vid-6", staging, "jobs/job-6/ladder", scratch);

            assertThat(bucket.uploaded).isEmpty();
            assertThat(bucket.copied).hasSize(9).last().isEqualTo("vid-6/master.m3u8");
            assertThat(scratch).as("nothing passes through this machine").isEmptyDirectory();
            assertThat(bytes).isEqualTo(LocalFiles.relativeFiles(tmp.resolve("ladder")).stream()
                    .mapToLong(f -> tmp.resolve("ladder").resolve(f).toFile().length()).sum());
            HeadObjectResponse playlist = S3.server().admin().headObject(b -> b.bucket("cdn").key("videos/vid-6/720p/index.m3u8"));
            assertThat(playlist.contentType()).isEqualTo("application/vnd.apple.mpegurl");
            assertThat(playlist.cacheControl()).isEqualTo(ContentTypes.PLAYLIST.cacheControl());
            HeadObjectResponse segment = S3.server().admin().headObject(b -> b.bucket("cdn").key("videos/vid-6/360p/seg_00001.ts"));
            assertThat(segment.contentType()).isEqualTo("video/mp2t");
            assertThat(segment.cacheControl()).contains("immutable");
            assertThat(S3.server().admin().getObjectAsBytes(b -> b.bucket("cdn").key("videos/vid-6/720p/index.m3u8")).asUtf8String())
                    .isEqualTo("#EXTM3U\n#720p\n");
        }
    }

    @Test
    void aLadderStagedElsewhereIsFetchedAndUploaded() throws Exception {
        LocalStagingArea local = new LocalStagingArea(tmp.resolve("local-staging"));
        try (S3ObjectStore cdn = new S3ObjectStore(S3Location.parse("s3://cdn/local"), S3.server().settings(tmp.resolve("scratch")))) {
            Recording bucket = new Recording(cdn);
            Path work = local.newScratch("job-7");
            local.store("jobs/job-7/ladder", ladder(work.resolve("ladder"), 2));
            assertThat(cdn.canCopyFrom(local)).isFalse();
            new LadderPublisher(bucket, 4).publishStaged("vid-7", local, "jobs/job-7/ladder", local.newScratch("job-7"));
            assertThat(bucket.copied).isEmpty();
            assertThat(bucket.uploaded).hasSize(7).last().isEqualTo("vid-7/master.m3u8");
            assertThat(keys("cdn", "local/vid-7/")).hasSize(7);
        }
    }

    @Test
    void publishingWhatWasNeverStagedIsNoSuchFile() throws Exception {
        try (S3StagingArea staging = staging();
             S3ObjectStore cdn = new S3ObjectStore(S3Location.parse("s3://cdn/videos"), S3.server().settings(tmp.resolve("scratch")))) {
            LadderPublisher publisher = new LadderPublisher(cdn, 4);
            assertThatThrownBy(() -> publisher.publishStaged("vid-8", staging, "jobs/job-8/ladder", staging.newScratch("job-8")))
                    .isInstanceOf(NoSuchFileException.class);
            assertThat(publisher.isPublished("vid-8")).isFalse();
        }
    }
}
