package io.hlsfleet.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
        List<Future<?>> uploads = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(parallelUploads, Thread.ofVirtual().factory())) {
            for (String file : files) {
                if (!file.equals(MASTER)) {
                    uploads.add(pool.submit(() -> {
                        transfer.run(file);
                        return null;
                    }));
                }
            }
            try {
                for (Future<?> upload : uploads) {
                    await(upload);
                }
            } catch (IOException | InterruptedException e) {
                // Stop the rest instead of letting them run to the end inside close().
                uploads.forEach(u -> u.cancel(true));
                throw e;
            }
        }
        transfer.run(MASTER);
    }

    private static void await(Future<?> upload) throws IOException, InterruptedException {
        try {
            upload.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw new IOException("upload failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
