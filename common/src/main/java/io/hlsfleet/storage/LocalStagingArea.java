package io.hlsfleet.storage;

import io.hlsfleet.job.StagingKeys;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Staging in a directory that every worker mounts. Scratch directories live inside it, so storing
 * a finished file or ladder is a rename, not a copy, and a reader never sees it half written.
 */
public final class LocalStagingArea implements StagingArea {

    /** What versions before write-once keys put beside a key while replacing it. */
    private static final String MOVED_ASIDE = ".old-";

    private final Path root;
    private final ScratchSpace scratch;

    public LocalStagingArea(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.scratch = new ScratchSpace(this.root.resolve("scratch"));
    }

    public Path root() {
        return root;
    }

    @Override
    public ScratchSpace scratch() {
        return scratch;
    }

    /** Folders an older version moved aside. */
    @Override
    public int sweepStaged(Instant cutoff) throws IOException {
        int removed = 0;
        for (Path job : ScratchSpace.entries(root.resolve("jobs"))) {
            for (Path output : ScratchSpace.entries(job)) {
                if (output.getFileName().toString().contains(MOVED_ASIDE) && LocalFiles.untouchedSince(output, cutoff)) {
                    LocalFiles.deleteRecursively(output);
                    removed++;
                }
            }
        }
        return removed;
    }

    @Override
    public List<String> jobsUntouchedSince(Instant cutoff) throws IOException {
        List<String> jobs = new ArrayList<>();
        for (Path job : ScratchSpace.entries(root.resolve(StagingKeys.JOBS))) {
            if (LocalFiles.untouchedSince(job, cutoff)) {
                jobs.add(job.getFileName().toString());
            }
        }
        return jobs;
    }

    /**
     * One atomic rename from scratch (inside the staging directory, so on the same disk): a reader
     * sees all of it or nothing. A key that exists already is refused, never replaced.
     */
    @Override
    public void store(String key, Path local) throws IOException {
        Path target = LocalFiles.resolveInside(root, key);
        // A concurrent delete may remove the folder it has just emptied (see delete) at any moment
        // between the folder's creation and the rename: then the folder is made again.
        final int attempts = 10;
        for (int tries = 1; ; tries++) {
            try {
                Files.createDirectories(target.getParent());
            } catch (FileAlreadyExistsException folderGone) {
                if (tries == attempts) {
                    throw folderGone;
                }
                continue;
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString(), null, "staging key " + key + " is written once");
            }
            try {
                Files.move(local, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (NoSuchFileException folderGone) {
                if (tries == attempts || !Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
                    throw folderGone;
                }
            }
        }
    }

    @Override
    public boolean canClaim() {
        return true;
    }

    /**
     * A hard link from a complete temporary file: link(2) fails when the name exists, so exactly one
     * caller creates it, and a reader never sees a half-written body.
     */
    @Override
    public byte[] claim(String key, byte[] body) throws IOException {
        Path target = LocalFiles.resolveInside(root, key);
        Files.createDirectories(target.getParent());
        Path written = target.resolveSibling(".claim-" + java.util.UUID.randomUUID());
        Files.write(written, body);
        try {
            Files.createLink(target, written);
            return body;
        } catch (FileAlreadyExistsException taken) {
            return Files.readAllBytes(target);
        } finally {
            Files.deleteIfExists(written);
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
    public boolean exists(String key) {
        return Files.exists(LocalFiles.resolveInside(root, key));
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

    /** Deletes {@code prefix}, then the folders above it that it leaves empty (a published job's folder). */
    @Override
    public void delete(String prefix) {
        Path target = LocalFiles.resolveInside(root, prefix);
        LocalFiles.deleteRecursively(target);
        for (Path folder = target.getParent(); folder != null && !folder.equals(root); folder = folder.getParent()) {
            try {
                Files.deleteIfExists(folder);
            } catch (DirectoryNotEmptyException inUse) {
                // Another attempt's output, or a store about to happen: the folder stays.
                return;
            } catch (IOException e) {
                return;
            }
        }
    }
}
