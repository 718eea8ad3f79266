package io.hlsfleet.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File-system helpers shared by the local staging area and the local bucket. */
public final class LocalFiles {

    private LocalFiles() {
    }

    /** Deletes a file or directory tree; a missing path is not an error. */
    public static void deleteRecursively(Path path) {
        if (path == null || !Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (DirectoryNotEmptyException raced) {
                    deleteRecursively(p);
                }
            }
        } catch (NoSuchFileException gone) {
            // Deleted concurrently: the goal is reached.
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + path, e);
        }
    }

    /**
     * Resolves {@code key} under {@code root}, refusing keys that would leave it ({@code ..},
     * absolute paths), so that a hostile id can never name a file elsewhere.
     */
    public static Path resolveInside(Path root, String key) {
        Path resolved = root.resolve(key).normalize();
        if (key.isEmpty() || key.startsWith("/") || !resolved.startsWith(root.normalize())) {
            throw new IllegalArgumentException("key '" + key + "' leaves its folder");
        }
        return resolved;
    }

    /**
     * True if nothing in the tree at {@code path} (itself included) was modified at or after
     * {@code cutoff}; false too if the tree vanished meanwhile.
     */
    public static boolean untouchedSince(Path path, java.time.Instant cutoff) throws IOException {
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.allMatch(p -> {
                try {
                    return Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant()
                            .isBefore(cutoff);
                } catch (IOException gone) {
                    return false;
                }
            });
        } catch (NoSuchFileException | UncheckedIOException gone) {
            return false;
        }
    }

    /** Every regular file under {@code dir}, as paths relative to it with '/' separators. */
    public static java.util.List<String> relativeFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace(java.io.File.separatorChar, '/'))
                    .sorted().toList();
        }
    }
}
