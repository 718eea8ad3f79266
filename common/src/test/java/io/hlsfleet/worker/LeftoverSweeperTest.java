package io.hlsfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.storage.LocalStagingArea;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What killed workers left goes; what a live attempt or a dead job's requeue needs stays. */
class LeftoverSweeperTest {

    private static final Duration AGE = Duration.ofHours(1);

    @TempDir
    Path tmp;

    @Test
    void removesOnlyLeftoversUntouchedForLongerThanTheAge() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(tmp.resolve("staging"));
        LocalObjectStore bucket = new LocalObjectStore(tmp.resolve("bucket"));
        Instant old = Instant.now().minus(AGE.multipliedBy(2));
        Path scratch = staging.root().resolve("scratch");

        // Left by a killed worker: nothing written for two hours.
        Path killed = file(scratch.resolve("job-a-1/ladder/360p/seg_00001.ts"), old).getParent().getParent().getParent();
        // Another live worker on the same disk: an old folder, but ffmpeg wrote a segment just now.
        Path otherWorker = file(scratch.resolve("job-b-1/ladder/360p/seg_00001.ts"), old).getParent().getParent().getParent();
        file(otherWorker.resolve("ladder/360p/seg_00002.ts"), Instant.now());
        // This process's own live attempt, silent for two hours (a long wait on the origin).
        Path mine = staging.newScratch("job-c");
        file(mine.resolve("source.part"), old);
        age(mine, old);
        // A folder an older version moved aside, and a dead job's staged source kept for requeue.
        Path movedAside = file(staging.root().resolve("jobs/job-d/ladder.old-1234/master.m3u8"), old).getParent();
        Path deadJobSource = file(staging.root().resolve("jobs/job-e/source-0a1b"), old);
        // The bucket: an upload a killed worker never renamed, a published segment, a fresh upload.
        Path stalePart = file(bucket.root().resolve("video-1/360p/.seg_00001.ts.77.part"), old);
        Path published = file(bucket.root().resolve("video-1/360p/seg_00002.ts"), old);
        Path freshPart = file(bucket.root().resolve("video-1/360p/.seg_00003.ts.78.part"), Instant.now());

        LeftoverSweeper sweeper = new LeftoverSweeper(staging, bucket, AGE, Clock.systemUTC());
        assertThat(sweeper.sweep()).isEqualTo(3);

        assertThat(killed).doesNotExist();
        assertThat(movedAside).doesNotExist();
        assertThat(stalePart).doesNotExist();
        assertThat(otherWorker).exists();
        assertThat(mine.resolve("source.part")).exists();
        assertThat(deadJobSource).exists();
        assertThat(published).exists();
        assertThat(freshPart).exists();

        staging.deleteScratch(mine);
        assertThat(sweeper.sweep()).as("a second sweep finds nothing more").isZero();
    }

    private static Path file(Path path, Instant modified) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, "x");
        age(path, modified);
        return path;
    }

    /** Sets the modification time of {@code path} and of its folders up to the temp folder's children. */
    private static void age(Path path, Instant modified) throws IOException {
        List<Path> tree;
        try (Stream<Path> walk = Files.walk(path)) {
            tree = walk.toList();
        }
        for (Path entry : tree) {
            Files.setLastModifiedTime(entry, FileTime.from(modified));
        }
        for (Path parent = path.getParent(); parent != null && !parent.getFileName().toString().equals("scratch")
                && !parent.getFileName().toString().equals("jobs") && !parent.getFileName().toString().equals("bucket");
                parent = parent.getParent()) {
            if (Files.getLastModifiedTime(parent).toInstant().isAfter(modified)) {
                Files.setLastModifiedTime(parent, FileTime.from(modified));
            }
        }
    }
}
