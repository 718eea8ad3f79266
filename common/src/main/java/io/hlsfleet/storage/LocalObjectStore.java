package io.hlsfleet.storage;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/** A bucket that is a mounted directory: {@code HLSFLEET_BUCKET=file:///srv/cdn}. */
public final class LocalObjectStore implements ObjectStore {

    private static final String PARTIAL_SUFFIX = ".part";

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path root;
    /** Whether objects are files only their owner can read (secrets), else the process's default. */
    private final boolean ownerOnly;

    public LocalObjectStore(Path root) throws IOException {
        this(root, false);
    }

    private LocalObjectStore(Path root, boolean ownerOnly) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.ownerOnly = ownerOnly;
        Files.createDirectories(this.root);
    }

    /** A store whose files are mode 0600, for keys. */
    public static LocalObjectStore ownerOnly(Path root) throws IOException {
        return new LocalObjectStore(root, true);
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
            if (ownerOnly) {
                // Made with its mode before anything is written, so the secret is never readable by others.
                Files.createFile(partial, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                try (OutputStream out = Files.newOutputStream(partial)) {
                    Files.copy(file, out);
                }
            } else {
                Files.copy(file, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(LocalFiles.resolveInside(root, key));
    }

    @Override
    public byte[] read(String key) throws IOException {
        return Files.readAllBytes(LocalFiles.resolveInside(root, key));
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        Path dir = LocalFiles.resolveInside(root, prefix);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<StoredObject> objects = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                if (isPartial(file.getFileName().toString())) {
                    continue;
                }
                try {
                    objects.add(new StoredObject(root.relativize(file).toString().replace(File.separatorChar, '/'),
                            Files.size(file), Files.getLastModifiedTime(file).toInstant()));
                } catch (NoSuchFileException deleted) {
                    // Removed while listing: no longer an object.
                }
            }
        } catch (NoSuchFileException deleted) {
            return List.of();
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    /** Deletes the files, then the folders they leave empty, as a bucket has no empty folders. */
    @Override
    public void delete(List<String> keys) throws IOException {
        for (String key : keys) {
            Path file = LocalFiles.resolveInside(root, key);
            Files.deleteIfExists(file);
            for (Path dir = file.getParent(); dir != null && !dir.equals(root); dir = dir.getParent()) {
                try {
                    Files.deleteIfExists(dir);
                } catch (DirectoryNotEmptyException inUse) {
                    break;
                }
            }
        }
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
