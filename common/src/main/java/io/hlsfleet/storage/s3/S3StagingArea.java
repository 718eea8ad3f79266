package io.hlsfleet.storage.s3;

import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.storage.ScratchSpace;
import io.hlsfleet.storage.StagingArea;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Staging in a bucket, for fleets whose workers share no disk: {@code HLSFLEET_STAGING=s3://bucket/prefix}.
 * A stored file is one object under its key; a stored directory is one object per file under
 * {@code key/}. Scratch directories are local, under {@code HLSFLEET_SCRATCH}.
 */
public final class S3StagingArea extends S3Bucket implements StagingArea {

    private static final Logger log = LoggerFactory.getLogger(S3StagingArea.class);

    /** Files of one directory transferred at once. */
    private static final int PARALLEL_FILES = 8;

    private final ScratchSpace scratch;

    public S3StagingArea(S3Location location, S3Settings settings) throws IOException {
        super(location, settings);
        try {
            this.scratch = new ScratchSpace(settings.scratchRoot());
        } catch (IOException e) {
            close(); // the S3 client is open already
            throw e;
        }
    }

    @Override
    public ScratchSpace scratch() {
        return scratch;
    }

    /** Staging uploads that killed workers never completed. */
    @Override
    public int sweepStaged(Instant cutoff) throws IOException {
        return s3.abortIncompleteUploads(location.bucket(), location.root(), cutoff);
    }

    @Override
    public List<String> jobsUntouchedSince(Instant cutoff) throws IOException {
        String jobs = location.directory(StagingKeys.JOBS);
        Map<String, Instant> newest = new HashMap<>();
        for (S3Object object : s3.list(location.bucket(), jobs)) {
            String rest = object.key().substring(jobs.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                newest.merge(rest.substring(0, slash), object.lastModified(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }
        return newest.entrySet().stream().filter(job -> job.getValue().isBefore(cutoff)).map(Map.Entry::getKey)
                .sorted().toList();
    }

    /**
     * Uploads a file as {@code key}, or a directory as {@code key/<relative path>}. Keys belong to
     * one attempt ({@link io.hlsfleet.job.StagingKeys}), so nothing else is under them and nothing
     * is deleted. The local copy stays; its scratch owner deletes it.
     */
    @Override
    public void store(String key, Path local) throws IOException {
        String bucket = location.bucket();
        if (!Files.isDirectory(local)) {
            s3.upload(bucket, location.key(key), local, ContentTypes.of(key), null);
            return;
        }
        List<Callable<Void>> uploads = new ArrayList<>();
        for (String file : LocalFiles.relativeFiles(local)) {
            String objectKey = location.key(key + "/" + file);
            uploads.add(() -> {
                s3.upload(bucket, objectKey, local.resolve(file), ContentTypes.of(file), null);
                return null;
            });
        }
        S3Transfers.inParallel(uploads, PARALLEL_FILES);
    }

    /**
     * Downloads what is stored under {@code key} into {@code scratch}: the object itself as
     * {@code scratch/<last segment of key>}, or every object under {@code key/} as a directory of
     * that name.
     */
    @Override
    public Path fetch(String key, Path scratch) throws IOException {
        String bucket = location.bucket();
        String name = key.substring(key.lastIndexOf('/') + 1);
        Path target = LocalFiles.resolveInside(scratch, name);
        try {
            s3.download(bucket, location.key(key), target);
            return target;
        } catch (NoSuchFileException notAFile) {
            // Then it may be a directory.
        }
        String directory = location.directory(key);
        List<S3Object> objects = s3.list(bucket, directory);
        if (objects.isEmpty()) {
            throw new NoSuchFileException(location.uri() + "/" + key, null, "nothing staged under " + key);
        }
        List<Callable<Void>> downloads = new ArrayList<>();
        for (S3Object object : objects) {
            if (object.key().endsWith("/")) {
                continue; // a folder marker some tools create; it holds no file
            }
            // resolveInside refuses a key that would land outside the target directory.
            Path file = LocalFiles.resolveInside(target, object.key().substring(directory.length()));
            downloads.add(() -> {
                s3.download(bucket, object.key(), file);
                return null;
            });
        }
        Files.createDirectories(target);
        S3Transfers.inParallel(downloads, PARALLEL_FILES);
        return target;
    }

    /**
     * True where the store makes conditional writes ({@code If-None-Match: *} on PutObject): S3
     * since 2024, MinIO, R2, GCS's XML API and others. Found out once, on first use, by creating a
     * probe object twice: a store that refuses the header, or ignores it and replaces the object,
     * cannot claim, and the long videos it stages keep the one-ffmpeg encode. A probe that fails
     * for another reason (the store unreachable) is tried again on the next call.
     */
    @Override
    public boolean canClaim() {
        Boolean known = conditionalWrites;
        if (known == null) {
            synchronized (this) {
                if (conditionalWrites == null) {
                    conditionalWrites = probeConditionalWrites();
                }
                known = conditionalWrites;
            }
        }
        return Boolean.TRUE.equals(known);
    }

    /** Whether conditional writes hold here; null when the probe could not tell. */
    private volatile Boolean conditionalWrites;

    private Boolean probeConditionalWrites() {
        String probe = newCheckKey();
        byte[] body = "hlsfleet claim probe\n".getBytes(StandardCharsets.UTF_8);
        try {
            boolean first = s3.createIfAbsent(location.bucket(), probe, body);
            boolean second = s3.createIfAbsent(location.bucket(), probe, body);
            boolean holds = first && !second;
            if (!holds) {
                log.warn("{}: the store ignores conditional writes (If-None-Match); long videos are not encoded in chunks",
                        location.uri());
            }
            return holds;
        } catch (S3RefusedException refused) {
            log.warn("{}: the store refuses conditional writes ({}); long videos are not encoded in chunks",
                    location.uri(), refused.getMessage());
            return false;
        } catch (IOException e) {
            log.warn("{}: could not find out whether the store makes conditional writes ({}); this video is encoded in one piece",
                    location.uri(), e.getMessage());
            return null;
        } finally {
            try {
                s3.delete(location.bucket(), List.of(probe));
            } catch (IOException e) {
                log.debug("{}: the claim probe {} is left behind: {}", location.uri(), probe, e.getMessage());
            }
        }
    }

    /**
     * A conditional PutObject of {@code body}; when the key exists already, what it holds. A write
     * whose answer was lost and that the SDK sent again finds its own body there, as a winner should.
     */
    @Override
    public byte[] claim(String key, byte[] body) throws IOException {
        if (!canClaim()) {
            throw new UnsupportedOperationException(location.uri() + " makes no conditional writes");
        }
        String objectKey = location.key(key);
        if (s3.createIfAbsent(location.bucket(), objectKey, body)) {
            return body;
        }
        return s3.read(location.bucket(), objectKey);
    }

    @Override
    public boolean exists(String key) throws IOException {
        return s3.exists(location.bucket(), location.key(key)) || !list(key).isEmpty();
    }

    @Override
    public List<StagedFile> list(String key) throws IOException {
        String directory = location.directory(key);
        return s3.list(location.bucket(), directory).stream()
                .map(o -> new StagedFile(o.key().substring(directory.length()), o.size()))
                .sorted(java.util.Comparator.comparing(StagedFile::name))
                .toList();
    }

    /** Deletes the object {@code prefix} and every object under {@code prefix/}. */
    @Override
    public void delete(String prefix) throws IOException {
        List<String> keys = new ArrayList<>();
        keys.add(location.key(prefix));
        s3.list(location.bucket(), location.directory(prefix)).forEach(o -> keys.add(o.key()));
        s3.delete(location.bucket(), keys);
    }

    @Override
    public String toString() {
        return location.uri();
    }
}
