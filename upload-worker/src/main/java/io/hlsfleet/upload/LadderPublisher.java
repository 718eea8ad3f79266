package io.hlsfleet.upload;

import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.InParallel;
import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Publishes one finished ladder to a bucket as {@code <videoId>/…}: every segment and variant
 * playlist first, in parallel, and {@code master.m3u8} last, once all of them are written. A player
 * (or a reader polling for the master) therefore never finds a ladder that is not complete.
 */
public final class LadderPublisher {

    public static final String MASTER = "master.m3u8";

    private final ObjectStore bucket;
    private final int parallelUploads;

    public LadderPublisher(ObjectStore bucket, int parallelUploads) {
        this.bucket = bucket;
        this.parallelUploads = Math.max(1, parallelUploads);
    }

    public static String masterKey(String videoId) {
        return videoId + "/" + MASTER;
    }

    /** True if a complete ladder for {@code videoId} is in the bucket. */
    public boolean isPublished(String videoId) throws IOException {
        return bucket.exists(masterKey(videoId));
    }

    /** @return bytes published */
    public long publish(String videoId, Path ladderDir) throws IOException, InterruptedException {
        List<String> files = LocalFiles.relativeFiles(ladderDir);
        long bytes = 0;
        for (String file : files) {
            bytes += Files.size(ladderDir.resolve(file));
        }
        publishAll(videoId, files, ladderDir.toString(),
                file -> bucket.put(videoId + "/" + file, ladderDir.resolve(file), ContentTypes.of(file)));
        return bytes;
    }

    /**
     * Publishes the ladder that {@code staging} holds under {@code ladderKey}: copied on the
     * storage server when the bucket {@linkplain ObjectStore#canCopyFrom can copy from} the staging
     * area, otherwise fetched into {@code scratch} and uploaded.
     *
     * @return bytes published
     * @throws NoSuchFileException if nothing is staged under {@code ladderKey}
     */
    public long publishStaged(String videoId, StagingArea staging, String ladderKey, Path scratch)
            throws IOException, InterruptedException {
        if (!bucket.canCopyFrom(staging)) {
            return publish(videoId, staging.fetch(ladderKey, scratch));
        }
        List<StagingArea.StagedFile> staged = staging.list(ladderKey);
        if (staged.isEmpty()) {
            throw new NoSuchFileException(ladderKey, null, "nothing staged under " + ladderKey);
        }
        long bytes = staged.stream().mapToLong(StagingArea.StagedFile::size).sum();
        publishAll(videoId, staged.stream().map(StagingArea.StagedFile::name).toList(), ladderKey,
                file -> bucket.copyFrom(staging, ladderKey + "/" + file, videoId + "/" + file, ContentTypes.of(file)));
        return bytes;
    }

    /** One object of the ladder, written to the bucket. */
    @FunctionalInterface
    private interface Transfer {
        void run(String file) throws IOException;
    }

    private void publishAll(String videoId, List<String> files, String from, Transfer transfer)
            throws IOException, InterruptedException {
        if (!files.contains(MASTER)) {
            throw new IOException("ladder in " + from + " has no " + MASTER);
        }
        List<Callable<Void>> uploads = new ArrayList<>();
        for (String file : files) {
            if (!file.equals(MASTER)) {
                uploads.add(() -> {
                    transfer.run(file);
                    return null;
                });
            }
        }
        InParallel.run("upload", "ladder-upload-", uploads, parallelUploads);
        transfer.run(MASTER);
    }
}
