package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStagingAreaTest {

    @TempDir
    Path tmp;

    @Test
    void storeReplacesEarlierOutputOfTheSameKey() throws Exception {
        LocalStagingArea staging = new LocalStagingArea(tmp);
        Path first = staging.newScratch("job1");
        Files.createDirectories(first.resolve("ladder/360p"));
        Files.writeString(first.resolve("ladder/360p/old.ts"), "old");
        staging.store("jobs/job1/ladder", first.resolve("ladder"));

        Path second = staging.newScratch("job1");
        Files.createDirectories(second.resolve("ladder/360p"));
        Files.writeString(second.resolve("ladder/360p/new.ts"), "new");
        staging.store("jobs/job1/ladder", second.resolve("ladder"));

        Path stored = staging.fetch("jobs/job1/ladder", null);
        assertThat(stored.resolve("360p/new.ts")).hasContent("new");
        assertThat(stored.resolve("360p/old.ts")).doesNotExist();
        staging.deleteScratch(first);
        staging.deleteScratch(second);
        assertThat(first).doesNotExist();
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
