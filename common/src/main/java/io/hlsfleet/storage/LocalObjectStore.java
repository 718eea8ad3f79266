package io.hlsfleet.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** A bucket that is a mounted directory: {@code HLSFLEET_BUCKET=file:///srv/cdn}. */
public final class LocalObjectStore implements ObjectStore {

    private static final String PARTIAL_SUFFIX = ".part";

    private final Path root;

    public LocalObjectStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root);
    }

    public Path root() {
        return root;
    }

    @Override
    public void put(String key, Path file, ContentTypes.Kind kind) throws IOException {
        Path target = LocalFiles.resolveInside(root, key);
        Files.createDirectories(target.getParent());
        // Copy next to the target, then rename: a reader never sees a half-written object.
        Path partial = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + PARTIAL_SUFFIX);
        try {
            Files.copy(file, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(LocalFiles.resolveInside(root, key));
    }

    /** Deletes the temporary files of {@link #put}s that a killed worker never finished. */
    @Override
    public int sweep(Instant cutoff) throws IOException {
        List<Path> stale;
        try (Stream<Path> walk = Files.walk(root)) {
            stale = walk.filter(path -> isPartial(path.getFileName().toString()) && Files.isRegularFile(path))
                    .toList();
        }
        int removed = 0;
        for (Path partial : stale) {
            if (LocalFiles.untouchedSince(partial, cutoff) && Files.deleteIfExists(partial)) {
                removed++;
            }
        }
        return removed;
    }

    private static boolean isPartial(String name) {
        return name.startsWith(".") && name.endsWith(PARTIAL_SUFFIX);
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }
}
