package io.hlsfleet.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The folder of local working directories, one per attempt ({@code <jobId>-<uuid>}). It remembers
 * the ones this process is using, so that sweeping the leftovers of killed workers never touches
 * them; a folder of another live worker sharing the disk is recognised by its recent writes.
 */
public final class ScratchSpace {

    private final Path root;
    private final Set<Path> live = ConcurrentHashMap.newKeySet();

    public ScratchSpace(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root);
    }

    public Path root() {
        return root;
    }

    /** A new, empty directory for one attempt at {@code jobId}. */
    public Path create(String jobId) throws IOException {
        Path scratch = LocalFiles.resolveInside(root, jobId + "-" + UUID.randomUUID());
        live.add(scratch);
        return Files.createDirectories(scratch);
    }

    public void delete(Path scratch) {
        try {
            LocalFiles.deleteRecursively(scratch);
        } finally {
            live.remove(scratch);
        }
    }

    /**
     * Deletes the folders no attempt of this process uses and in which nothing was written since
     * {@code cutoff}: what workers killed mid-job left. Returns how many were deleted.
     */
    public int sweep(Instant cutoff) throws IOException {
        int deleted = 0;
        for (Path folder : entries(root)) {
            if (!live.contains(folder) && LocalFiles.untouchedSince(folder, cutoff)) {
                LocalFiles.deleteRecursively(folder);
                deleted++;
            }
        }
        return deleted;
    }

    static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        } catch (NoSuchFileException gone) {
            return List.of();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
