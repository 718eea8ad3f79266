package io.hlsfleet.upload;

import io.hlsfleet.job.PublishedVideo;
import io.hlsfleet.storage.KeyStore;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.ObjectStore.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the generations of a video that its master playlist no longer names, with their keys,
 * once the master has named another one for {@code delay} ({@code HLSFLEET_UPLOAD_OLD_GENERATION_DELAY}):
 * long enough for players that loaded the previous master to finish, and for caches to drop it.
 *
 * <p>What is due is worked out from the bucket alone, so any worker may do it, more than once: a
 * generation other than the current one is removed only if every object of it is older than the
 * current master, which a generation still being written is not. A worker stopped before the
 * delay has passed leaves the removal to the video's next publication.
 */
final class OldGenerations implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OldGenerations.class);
    /** S3 keeps modification times to the second; a removal waits that much past the delay. */
    private static final Duration CLOCK_GRAIN = Duration.ofSeconds(1);

    private final ObjectStore bucket;
    private final KeyStore keys;
    private final Duration delay;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hlsfleet-old-generations").factory());

    /** @param keys the key store, or null when there is none */
    OldGenerations(ObjectStore bucket, KeyStore keys, Duration delay, Clock clock) {
        this.bucket = bucket;
        this.keys = keys;
        this.delay = delay;
        this.clock = clock;
    }

    /**
     * Before a publication of {@code videoId}: removes what an earlier publication replaced long
     * enough ago, which a worker stopped before its delay had passed (or a command line run that
     * ended) left behind.
     */
    void beforePublish(String videoId) {
        try {
            removeDue(videoId);
        } catch (IOException | RuntimeException e) {
            log.warn("could not remove the old generations of {}: {}", videoId, e.toString());
        }
    }

    /** After a publication of {@code videoId}: removes what it superseded once that is due. */
    void afterPublish(String videoId) {
        schedule(videoId, delay.plus(CLOCK_GRAIN));
    }

    private void schedule(String videoId, Duration wait) {
        try {
            timer.schedule(() -> removeQuietly(videoId), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // Shutting down: the video's next publication removes them.
        }
    }

    private void removeQuietly(String videoId) {
        try {
            Duration wait = removeDue(videoId);
            if (wait != null) {
                schedule(videoId, wait.plus(CLOCK_GRAIN));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not remove the old generations of {}: {}", videoId, e.toString());
        }
    }

    /**
     * Removes the generations of {@code videoId} that are due now.
     *
     * @return how long until the others are due, or null when none is left to wait for
     */
    Duration removeDue(String videoId) throws IOException {
        String masterKey = PublishedVideo.masterKey(videoId);
        byte[] master;
        try {
            master = bucket.read(masterKey);
        } catch (NoSuchFileException unpublished) {
            return null;
        }
        List<StoredObject> objects = bucket.list(videoId);
        byte[] masterAfter;
        try {
            masterAfter = bucket.read(masterKey);
        } catch (NoSuchFileException unpublished) {
            return null;
        }
        StoredObject listedMaster = objects.stream().filter(o -> o.key().equals(masterKey)).findFirst().orElse(null);
        String current = LadderPublisher.generationOf(new String(master, StandardCharsets.UTF_8));
        if (!Arrays.equals(master, masterAfter) || listedMaster == null || current == null
                || objects.stream().noneMatch(
                        o -> o.key().equals(videoId + "/" + current + "/" + PublishedVideo.MASTER))) {
            // The master changed while listing, or names no generation of ours: the next
            // publication of the video decides.
            return null;
        }
        Instant switchedAt = listedMaster.lastModified();
        Map<String, List<StoredObject>> older = new TreeMap<>();
        for (StoredObject object : objects) {
            String rest = object.key().substring(videoId.length() + 1);
            int slash = rest.indexOf('/');
            // Files beside the master that are not in a folder came from before generations.
            String generation = slash < 0 ? rest : rest.substring(0, slash);
            if (!object.key().equals(masterKey) && !generation.equals(current)) {
                older.computeIfAbsent(generation, g -> new ArrayList<>()).add(object);
            }
        }
        if (older.isEmpty()) {
            return null;
        }
        Duration waited = Duration.between(switchedAt, clock.instant());
        if (waited.compareTo(delay) < 0) {
            return delay.minus(waited);
        }
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, List<StoredObject>> generation : older.entrySet()) {
            boolean writtenBeforeSwitch = generation.getValue().stream()
                    .allMatch(o -> o.lastModified().isBefore(switchedAt));
            if (writtenBeforeSwitch) {
                bucket.delete(generation.getValue().stream().map(StoredObject::key).toList());
                removed.add(generation.getKey());
            }
        }
        if (!removed.isEmpty()) {
            if (keys != null) {
                keys.remove(videoId, removed);
            }
            log.info("removed old generation(s) {} of {}, superseded by {} at {}", removed, videoId, current,
                    switchedAt);
        }
        return null;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
