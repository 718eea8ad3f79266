package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.StagingArea.StagedFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of {@link StagingArea}, written once and run against every implementation by a
 * subclass that says how to open one: what a stage stores, the next stage finds, whether the
 * staging area is a shared directory or a bucket. Every test gets a staging area of its own.
 */
public abstract class StagingAreaContract {

    @TempDir
    protected Path tmp;

    private StagingArea staging;

    /** A new, empty staging area; {@code tmp} is the test's own folder for anything local it needs. */
    protected abstract StagingArea newStagingArea(Path tmp) throws Exception;

    @BeforeEach
    void openStagingArea() throws Exception {
        staging = newStagingArea(tmp);
    }

    @AfterEach
    void closeStagingArea() throws Exception {
        if (staging instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    private Path ladder(Path dir, String marker) throws Exception {
        Files.createDirectories(dir.resolve("360p"));
        Files.writeString(dir.resolve("360p/index.m3u8"), "#EXTM3U\n#" + marker + "\n");
        Files.write(dir.resolve("360p/seg_00001.ts"), new byte[1234]);
        Files.writeString(dir.resolve("master.m3u8"), "#EXTM3U\n");
        return dir;
    }

    /**
     * Of many workers claiming one key at once, exactly one stores it, and all agree on what is
     * stored; a later claim gets the winner's body too. Every staging area here can claim (a bucket
     * only on a store that makes conditional writes).
     */
    @Test
    void aClaimIsWonOnceAndEveryClaimantSeesTheWinner() throws Exception {
        assertThat(staging.canClaim()).isTrue();
        int claimants = 16;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(claimants)) {
            for (int i = 0; i < claimants; i++) {
                String body = "claimant-" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return claim("jobs/job1/chunked-p/assembly", body);
                }));
            }
            start.countDown();
            List<String> seen = new ArrayList<>();
            for (Future<String> result : results) {
                seen.add(result.get());
            }
            assertThat(seen).hasSize(claimants).containsOnly(seen.getFirst()).first().asString().startsWith("claimant-");
            assertThat(claim("jobs/job1/chunked-p/assembly", "late")).isEqualTo(seen.getFirst());
            assertThat(Files.readString(staging.fetch("jobs/job1/chunked-p/assembly", staging.newScratch("job1"))))
                    .isEqualTo(seen.getFirst());
        }
    }

    private String claim(String key, String body) throws Exception {
        return new String(staging.claim(key, body.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void aNewScratchIsAnEmptyFolderOfItsOwnThatDeleteScratchRemoves() throws Exception {
        Path first = staging.newScratch("job-1");
        Path second = staging.newScratch("job-1");
        assertThat(first).isEmptyDirectory();
        assertThat(second).isEmptyDirectory().isNotEqualTo(first);
        Files.writeString(first.resolve("partial.ts"), "half");
        staging.deleteScratch(first);
        assertThat(first).doesNotExist();
        assertThat(second).isDirectory();
        staging.deleteScratch(second);
    }

    @Test
    void aStoredFileIsFetchedWithItsBytes() throws Exception {
        Path source = Files.writeString(staging.newScratch("job-1").resolve("source"), "video bytes");
        staging.store("jobs/job-1/source", source);

        assertThat(staging.exists("jobs/job-1/source")).isTrue();
        Path fetched = staging.fetch("jobs/job-1/source", staging.newScratch("job-1"));
        assertThat(fetched).isRegularFile().hasContent("video bytes");
    }

    @Test
    void aStoredDirectoryIsFetchedAndListedAsTheSameTree() throws Exception {
        Path ladder = ladder(staging.newScratch("job-2").resolve("ladder"), "only");
        staging.store("jobs/job-2/ladder", ladder);

        assertThat(staging.exists("jobs/job-2/ladder")).isTrue();
        assertThat(staging.list("jobs/job-2/ladder")).containsExactly(new StagedFile("360p/index.m3u8", 14),
                new StagedFile("360p/seg_00001.ts", 1234), new StagedFile("master.m3u8", 8));
        Path fetched = staging.fetch("jobs/job-2/ladder", staging.newScratch("job-2"));
        assertThat(fetched.resolve("360p/index.m3u8")).hasContent("#EXTM3U\n#only\n");
        assertThat(fetched.resolve("360p/seg_00001.ts")).hasSize(1234);
        assertThat(fetched.resolve("master.m3u8")).hasContent("#EXTM3U\n");
    }

    @Test
    void twoAttemptsOfOneJobKeepTheirOwnKeys() throws Exception {
        staging.store("jobs/job-3/ladder-a", ladder(staging.newScratch("job-3").resolve("ladder"), "a"));
        staging.store("jobs/job-3/ladder-b", ladder(staging.newScratch("job-3").resolve("ladder"), "b"));

        assertThat(staging.fetch("jobs/job-3/ladder-a", staging.newScratch("job-3")).resolve("360p/index.m3u8"))
                .hasContent("#EXTM3U\n#a\n");
        assertThat(staging.fetch("jobs/job-3/ladder-b", staging.newScratch("job-3")).resolve("360p/index.m3u8"))
                .hasContent("#EXTM3U\n#b\n");
    }

    @Test
    void whatWasNeverStoredDoesNotExistAndIsNoSuchFile() throws Exception {
        assertThat(staging.exists("jobs/none/source")).isFalse();
        assertThat(staging.list("jobs/none/ladder")).isEmpty();
        assertThatThrownBy(() -> staging.fetch("jobs/none/source", staging.newScratch("none")))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void deleteRemovesEverythingUnderThePrefixAndNothingElse() throws Exception {
        staging.store("jobs/job-4/source", Files.writeString(staging.newScratch("job-4").resolve("s"), "4"));
        staging.store("jobs/job-4/ladder", ladder(staging.newScratch("job-4").resolve("ladder"), "4"));
        staging.store("jobs/job-40/source", Files.writeString(staging.newScratch("job-40").resolve("s"), "40"));

        staging.delete("jobs/job-4");
        assertThat(staging.exists("jobs/job-4/source")).isFalse();
        assertThat(staging.exists("jobs/job-4/ladder")).isFalse();
        assertThat(staging.list("jobs/job-4/ladder")).isEmpty();
        assertThat(staging.exists("jobs/job-40/source")).as("a job whose id starts the same").isTrue();
        staging.delete("jobs/never-stored");
    }

    @Test
    void discardJobDeletesWhatTheJobStaged() throws Exception {
        Job job = Job.submit("https://videos.example/discarded.mp4", false);
        Job other = Job.submit("https://videos.example/kept.mp4", false);
        String key = StagingKeys.jobPrefix(job) + "/source";
        String otherKey = StagingKeys.jobPrefix(other) + "/source";
        staging.store(key, Files.writeString(staging.newScratch(job.jobId()).resolve("s"), "discarded"));
        staging.store(otherKey, Files.writeString(staging.newScratch(other.jobId()).resolve("s"), "kept"));

        staging.discardJob(job);
        assertThat(staging.exists(key)).isFalse();
        assertThat(staging.exists(otherKey)).isTrue();
    }

    @Test
    void jobsUntouchedSinceACutoffAreTheJobsWithFilesStagedOnlyBeforeIt() throws Exception {
        Job source = Job.submit("https://videos.example/a.mp4", false);
        Job ladder = Job.submit("https://videos.example/b.mp4", false);
        Job discarded = Job.submit("https://videos.example/c.mp4", false);
        staging.store(StagingKeys.source(source, "1"), Files.writeString(staging.newScratch("a").resolve("s"), "a"));
        staging.store(StagingKeys.ladder(ladder, "1"), ladder(staging.newScratch("b").resolve("l"), "b"));
        staging.store(StagingKeys.source(discarded, "1"), Files.writeString(staging.newScratch("c").resolve("s"), "c"));
        staging.discardJob(discarded);

        assertThat(staging.jobsUntouchedSince(Instant.now().plusSeconds(60)))
                .containsExactlyInAnyOrder(source.jobId(), ladder.jobId());
        assertThat(staging.jobsUntouchedSince(Instant.now().minusSeconds(3600))).isEmpty();
    }

    @Test
    void keysThatWouldLeaveTheStagingAreaAreRefused() throws Exception {
        Path file = Files.writeString(staging.newScratch("job-5").resolve("s"), "x");
        assertThatThrownBy(() -> staging.store("../outside", file)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> staging.fetch("../../etc/passwd", staging.newScratch("job-5")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
