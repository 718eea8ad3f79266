package io.hlsfleet.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
        if (!files.contains(MASTER)) {
            throw new IOException("ladder in " + ladderDir + " has no " + MASTER);
        }
        long bytes = 0;
        List<Future<?>> uploads = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(parallelUploads, Thread.ofVirtual().factory())) {
            for (String file : files) {
                if (!file.equals(MASTER)) {
                    Path local = ladderDir.resolve(file);
                    bytes += Files.size(local);
                    uploads.add(pool.submit(() -> {
                        bucket.put(videoId + "/" + file, local, ContentTypes.of(file));
                        return null;
                    }));
                }
            }
            for (Future<?> upload : uploads) {
                await(upload);
            }
        }
        Path master = ladderDir.resolve(MASTER);
        bucket.put(masterKey(videoId), master, ContentTypes.PLAYLIST);
        return bytes + Files.size(master);
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
