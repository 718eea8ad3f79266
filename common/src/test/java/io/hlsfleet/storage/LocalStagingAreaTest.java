package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStagingAreaTest {

    @TempDir
    Path tmp;

    /**
     * Two attempts of one job (a lease lost under a live worker) each store under their own key:
     * neither sees, replaces or moves the other's files, and a key is never written twice.
     */
    @Test
    void attemptsStoreUnderTheirOwnKeysAndAKeyIsWrittenOnce() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(tmp);
        Path first = staging.newScratch("job1");
        Files.createDirectories(first.resolve("ladder/360p"));
        Files.writeString(first.resolve("ladder/360p/a.ts"), "first");
        staging.store("jobs/job1/ladder-a", first.resolve("ladder"));

        Path second = staging.newScratch("job1");
        Files.createDirectories(second.resolve("ladder/360p"));
        Files.writeString(second.resolve("ladder/360p/b.ts"), "second");
        staging.store("jobs/job1/ladder-b", second.resolve("ladder"));

        assertThat(staging.fetch("jobs/job1/ladder-a", null).resolve("360p/a.ts")).hasContent("first");
        assertThat(staging.fetch("jobs/job1/ladder-b", null).resolve("360p/b.ts")).hasContent("second");
        try (Stream<Path> entries = Files.list(tmp.resolve("jobs/job1"))) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ladder-a", "ladder-b");
        }

        Path again = staging.newScratch("job1");
        Files.createDirectories(again.resolve("ladder"));
        assertThatThrownBy(() -> staging.store("jobs/job1/ladder-a", again.resolve("ladder")))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(staging.fetch("jobs/job1/ladder-a", null).resolve("360p/a.ts")).hasContent("first");
        staging.deleteScratch(first);
        staging.deleteScratch(again);
        assertThat(first).doesNotExist();

        staging.delete("jobs/job1/ladder-a");
        assertThat(tmp.resolve("jobs/job1/ladder-b")).as("the other attempt's ladder").exists();
        staging.delete("jobs/job1/ladder-b");
        assertThat(tmp.resolve("jobs/job1")).as("a job folder its last key left empty").doesNotExist();
        assertThat(tmp.resolve("scratch")).exists();
    }

    /** A claim is written through a temporary file renamed into place; none is left (the race itself: the contract). */
    @Test
    void aClaimLeavesNoTemporaryFile() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(tmp);
        staging.claim("jobs/job1/chunked-p/assembly", "first".getBytes(StandardCharsets.UTF_8));
        staging.claim("jobs/job1/chunked-p/assembly", "second".getBytes(StandardCharsets.UTF_8));
        assertThat(tmp.resolve("jobs/job1/chunked-p/assembly")).hasContent("first");
        try (Stream<Path> files = Files.list(tmp.resolve("jobs/job1/chunked-p"))) {
            assertThat(files).hasSize(1);
        }
    }

    @Test
    void missingKeysAndEscapingKeys() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(tmp);
        assertThatThrownBy(() -> staging.fetch("jobs/nope/source", null)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> staging.fetch("../../etc/passwd", null)).isInstanceOf(IllegalArgumentException.class);
        staging.delete("jobs/nope");
    }

    @Test
    void listNamesTheFilesOfAStoredDirectory() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(tmp);
        Path scratch = staging.newScratch("job2");
        Files.createDirectories(scratch.resolve("ladder/360p"));
        Files.writeString(scratch.resolve("ladder/360p/seg_1.ts"), "12345");
        Files.writeString(scratch.resolve("ladder/master.m3u8"), "#EXTM3U");
        staging.store("jobs/job2/ladder", scratch.resolve("ladder"));
        assertThat(staging.list("jobs/job2/ladder")).containsExactly(
                new StagingArea.StagedFile("360p/seg_1.ts", 5), new StagingArea.StagedFile("master.m3u8", 7));
        assertThat(staging.list("jobs/nope/ladder")).isEmpty();
    }
}
