package io.hlsfleet.storage;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Staging in a directory that every worker mounts. Scratch directories live inside it, so storing
 * a finished file or ladder is a rename, not a copy, and a reader never sees it half written.
 */
public final class LocalStagingArea implements StagingArea {

    private final Path root;
    private final Path scratchRoot;

    public LocalStagingArea(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.scratchRoot = this.root.resolve("scratch");
        Files.createDirectories(scratchRoot);
    }

    public Path root() {
        return root;
    }

    @Override
    public Path newScratch(String jobId) throws IOException {
        return Files.createDirectories(LocalFiles.resolveInside(scratchRoot, jobId + "-" + UUID.randomUUID()));
    }

    @Override
    public void store(String key, Path local) throws IOException {
        Path target = LocalFiles.resolveInside(root, key);
        Files.createDirectories(target.getParent());
        // Move the old copy aside first: a rename cannot replace a non-empty directory.
        Path old = target.resolveSibling(target.getFileName() + ".old-" + UUID.randomUUID());
        boolean hadOld = Files.exists(target);
        if (hadOld) {
            Files.move(target, old);
        }
        try {
            Files.move(local, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException otherDisk) {
            copyTree(local, target);
            LocalFiles.deleteRecursively(local);
        }
        if (hadOld) {
            LocalFiles.deleteRecursively(old);
        }
    }

    @Override
    public Path fetch(String key, Path scratch) throws IOException {
        Path stored = LocalFiles.resolveInside(root, key);
        if (!Files.exists(stored)) {
            throw new NoSuchFileException(stored.toString(), null, "nothing staged under " + key);
        }
        return stored;
    }

    @Override
    public List<StagedFile> list(String key) throws IOException {
        Path stored = LocalFiles.resolveInside(root, key);
        if (!Files.isDirectory(stored)) {
            return List.of();
        }
        List<StagedFile> files = new ArrayList<>();
        for (String name : LocalFiles.relativeFiles(stored)) {
            files.add(new StagedFile(name, Files.size(stored.resolve(name))));
        }
        return files;
    }

    @Override
    public void delete(String prefix) {
        LocalFiles.deleteRecursively(LocalFiles.resolveInside(root, prefix));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (Files.isDirectory(from)) {
            Files.createDirectories(to);
            for (String relative : LocalFiles.relativeFiles(from)) {
                Path target = to.resolve(relative);
                Files.createDirectories(target.getParent());
                Files.copy(from.resolve(relative), target, StandardCopyOption.REPLACE_EXISTING);
            }
        } else {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
