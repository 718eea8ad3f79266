package io.hlsfleet.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.storage.StagingArea.StagedFile;
import io.hlsfleet.testing.S3ServerExtension;
import io.hlsfleet.testing.TinyLadder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Staging in a bucket, against a real S3 server (S3Proxy), as workers that share no disk use it. */
class S3StagingAreaIT {

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("staging", "cdn");

    /** A store that predates conditional writes: it ignores If-None-Match and replaces the object. */
    @RegisterExtension
    static final S3ServerExtension LEGACY = S3ServerExtension.legacy("staging");

    @TempDir
    Path tmp;

    private S3StagingArea staging() throws IOException {
        return new S3StagingArea(S3Location.parse("s3://staging/fleet"), S3.server().settings(tmp.resolve("scratch")));
    }

    private List<String> keys(String bucket, String prefix) {
        return S3.server().admin().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().toList();
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
            Path ladder = TinyLadder.write(tmp.resolve("ladder"), 3);
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
            staging.store("jobs/job-3/ladder-a", TinyLadder.write(tmp.resolve("first"), 4));
            staging.store("jobs/job-3/ladder-b", TinyLadder.write(tmp.resolve("second"), 2));
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

    /**
     * A store that makes conditional writes can claim; one that ignores them cannot, so the long
     * videos it stages are encoded in one piece instead of chunks whose markers could be
     * overwritten. The probe leaves no object behind in either.
     */
    @Test
    void onlyAStoreThatMakesConditionalWritesCanClaim() throws Exception {
        try (S3StagingArea staging = staging()) {
            assertThat(staging.canClaim()).isTrue();
            assertThat(new String(staging.claim("jobs/job-6/chunked-p/assembly", "0".getBytes()))).isEqualTo("0");
            assertThat(new String(staging.claim("jobs/job-6/chunked-p/assembly", "1".getBytes()))).isEqualTo("0");
            assertThat(keys("staging", "fleet/.hlsfleet-check/")).isEmpty();
        }
        // MD5 integrity: the old store refuses the SDK's flexible checksums, which is not what this tests.
        try (S3StagingArea legacy = new S3StagingArea(S3Location.parse("s3://staging/fleet"), LEGACY.server()
                .settings(tmp.resolve("legacy-scratch"), 16L << 20, null, S3Integrity.MD5))) {
            assertThat(legacy.canClaim()).isFalse();
            assertThatThrownBy(() -> legacy.claim("jobs/job-6/chunked-p/assembly", "0".getBytes()))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThat(LEGACY.server().admin().listObjectsV2(b -> b.bucket("staging").prefix("fleet/")).contents())
                    .isEmpty();
        }
    }
}
