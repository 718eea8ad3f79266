package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.testing.TinyLadder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which generations of a video are removed, and when, read from the bucket alone. */
class OldGenerationsTest {

    private static final Duration DELAY = Duration.ofMinutes(10);

    @TempDir
    Path tmp;

    private Path bucketDir;
    private LadderPublisher publisher;

    private LocalObjectStore publishTwoGenerations() throws Exception {
        bucketDir = tmp.resolve("bucket");
        LocalObjectStore bucket = new LocalObjectStore(bucketDir);
        publisher = new LadderPublisher(bucket, 2);
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        publisher.publish("vid", "g1", ladder(tmp.resolve("l1")), scratch, LadderPublisher.BeforeSwitch.NOTHING);
        age(bucketDir.resolve("vid"), Duration.ofHours(2));
        publisher.publish("vid", "g2", ladder(tmp.resolve("l2")), scratch, LadderPublisher.BeforeSwitch.NOTHING);
        return bucket;
    }

    /** A ladder whose master names its two variants, as every real one does. */
    private static Path ladder(Path dir) throws Exception {
        TinyLadder.write(dir, 2);
        Files.writeString(dir.resolve("master.m3u8"), "#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
        return dir;
    }

    /** Moves the modification time of everything under {@code dir} back by {@code by}. */
    private static void age(Path dir, Duration by) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(file,
                        FileTime.from(Files.getLastModifiedTime(file).toInstant().minus(by)));
            }
        }
    }

    private static Clock after(Duration elapsed) {
        return Clock.offset(Clock.systemUTC(), elapsed);
    }

    @Test
    void theReplacedGenerationStaysUntilTheDelayHasPassedSinceTheSwitch() throws Exception {
        LocalObjectStore bucket = publishTwoGenerations();

        try (OldGenerations early = new OldGenerations(bucket, null, DELAY, after(Duration.ofMinutes(1)))) {
            Duration wait = early.removeDue("vid");
            assertThat(wait).isBetween(Duration.ofMinutes(8), Duration.ofMinutes(9).plusSeconds(1));
        }
        assertThat(bucketDir.resolve("vid/g1/360p/seg_00000.ts")).exists();

        try (OldGenerations due = new OldGenerations(bucket, null, DELAY, after(DELAY.plusSeconds(5)))) {
            assertThat(due.removeDue("vid")).isNull();
        }
        assertThat(bucketDir.resolve("vid/g1")).as("the replaced generation, folders and all").doesNotExist();
        assertThat(bucketDir.resolve("vid/g2/720p/seg_00001.ts")).exists();
        assertThat(LadderPublisher.generationOf(Files.readString(bucketDir.resolve("vid/master.m3u8")))).isEqualTo("g2");
    }

    @Test
    void aGenerationWrittenAfterTheSwitchIsBeingPublishedAndStays() throws Exception {
        LocalObjectStore bucket = publishTwoGenerations();
        age(bucketDir.resolve("vid"), Duration.ofHours(1));
        // A third publication under way: its files are newer than the master that names g2.
        TinyLadder.write(bucketDir.resolve("vid/g3"), 1);

        try (OldGenerations due = new OldGenerations(bucket, null, DELAY, Clock.systemUTC())) {
            assertThat(due.removeDue("vid")).isNull();
        }
        assertThat(bucketDir.resolve("vid/g1")).doesNotExist();
        assertThat(bucketDir.resolve("vid/g3/master.m3u8")).exists();
        assertThat(bucketDir.resolve("vid/g2/master.m3u8")).exists();
    }

    @Test
    void aVideoPublishedBeforeGenerationsIsLeftAlone() throws Exception {
        Path bucketDir = tmp.resolve("bucket");
        LocalObjectStore bucket = new LocalObjectStore(bucketDir);
        TinyLadder.write(bucketDir.resolve("old"), 1);
        Files.writeString(bucketDir.resolve("old/master.m3u8"), "#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
        age(bucketDir.resolve("old"), Duration.ofDays(2));

        try (OldGenerations due = new OldGenerations(bucket, null, Duration.ZERO, Clock.systemUTC())) {
            assertThat(due.removeDue("old")).isNull();
            assertThat(due.removeDue("never-published")).isNull();
        }
        assertThat(bucketDir.resolve("old/360p/index.m3u8")).exists();
        assertThat(bucketDir.resolve("old/720p/index.m3u8")).exists();
    }

    @Test
    void theFirstGenerationReplacesAFlatLadderFromBeforeGenerations() throws Exception {
        bucketDir = tmp.resolve("bucket");
        LocalObjectStore bucket = new LocalObjectStore(bucketDir);
        TinyLadder.write(bucketDir.resolve("vid"), 1);
        Files.writeString(bucketDir.resolve("vid/poster.jpg"), "jpeg");
        age(bucketDir.resolve("vid"), Duration.ofDays(2));
        new LadderPublisher(bucket, 2).publish("vid", "g1", ladder(tmp.resolve("l1")),
                Files.createDirectories(tmp.resolve("scratch")), LadderPublisher.BeforeSwitch.NOTHING);

        try (OldGenerations due = new OldGenerations(bucket, null, DELAY, after(DELAY.plusSeconds(5)))) {
            assertThat(due.removeDue("vid")).isNull();
        }
        try (Stream<Path> left = Files.list(bucketDir.resolve("vid"))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("g1", "master.m3u8");
        }
    }

    @Test
    void afterPublishRemovesTheReplacedGenerationOnceTheDelayHasPassed() throws Exception {
        LocalObjectStore bucket = publishTwoGenerations();
        Instant start = Instant.now();
        try (OldGenerations timer = new OldGenerations(bucket, null, Duration.ofMillis(300), Clock.systemUTC())) {
            timer.afterPublish("vid");
            while (Files.exists(bucketDir.resolve("vid/g1")) && Duration.between(start, Instant.now()).toSeconds() < 10) {
                Thread.sleep(50);
            }
        }
        assertThat(bucketDir.resolve("vid/g1")).doesNotExist();
        assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(publisher.isPublished("vid", "g2")).isTrue();
    }
}
