package io.hlsfleet.storage.s3;

import io.hlsfleet.storage.ContentTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * The S3 operations both stores are built from, each turning the SDK's unchecked exceptions into
 * {@link IOException}s that name the object. Small files go up in one PutObject, large ones as a
 * multipart upload whose parts travel in parallel and which is aborted if any part fails, so no
 * orphaned parts are left to pay for.
 */
final class S3Transfers implements AutoCloseable {

    /** The most keys one DeleteObjects request may name. */
    private static final int DELETE_BATCH = 1000;

    private final S3Client client;
    private final S3Settings settings;

    S3Transfers(S3Client client, S3Settings settings) {
        this.client = client;
        this.settings = settings;
    }

    S3Settings settings() {
        return settings;
    }

    /**
     * Uploads {@code file} as {@code key}; {@code kind} sets Content-Type and Cache-Control,
     * {@code acl} (if not null) the object's canned ACL.
     */
    void upload(String bucket, String key, Path file, ContentTypes.Kind kind, ObjectCannedACL acl) throws IOException {
        long size = Files.size(file);
        try {
            if (size > settings.multipartThreshold()) {
                uploadMultipart(bucket, key, file, size, kind, acl);
            } else {
                client.putObject(b -> b.bucket(bucket).key(key).acl(acl)
                        .contentType(kind.contentType()).cacheControl(kind.cacheControl())
                        .checksumAlgorithm(ChecksumAlgorithm.CRC32), RequestBody.fromFile(file));
            }
        } catch (SdkException e) {
            throw failure("upload", bucket, key, e);
        }
    }

    private void uploadMultipart(String bucket, String key, Path file, long size, ContentTypes.Kind kind,
            ObjectCannedACL acl) throws IOException {
        String uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(key).acl(acl)
                .contentType(kind.contentType()).cacheControl(kind.cacheControl())
                .checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId();
        boolean completed = false;
        try {
            long partSize = settings.partSize();
            int parts = (int) ((size + partSize - 1) / partSize);
            List<Callable<CompletedPart>> uploads = new ArrayList<>(parts);
            for (int i = 0; i < parts; i++) {
                int number = i + 1;
                long offset = i * partSize;
                long length = Math.min(partSize, size - offset);
                uploads.add(() -> {
                    // The body is reopened for each attempt, so a retried part re-reads the file
                    // instead of holding the part in memory.
                    UploadPartResponse part = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                                    .partNumber(number).contentLength(length).checksumAlgorithm(ChecksumAlgorithm.CRC32),
                            RequestBody.fromContentProvider(() -> slice(file, offset, length), length,
                                    "application/octet-stream"));
                    return CompletedPart.builder().partNumber(number).eTag(part.eTag())
                            .checksumCRC32(part.checksumCRC32()).build();
                });
            }
            List<CompletedPart> done = inParallel(uploads, settings.partConcurrency());
            client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(done)));
            completed = true;
        } finally {
            if (!completed) {
                abortQuietly(bucket, key, uploadId);
            }
        }
    }

    private void abortQuietly(String bucket, String key, String uploadId) {
        try {
            client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            // The upload failed already and that failure is reported; a bucket lifecycle rule
            // for incomplete multipart uploads collects what an abort could not.
        }
    }

    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ).position(offset);
            return new BoundedInputStream(Channels.newInputStream(channel), length);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Downloads {@code key} to {@code target} through a temporary file beside it, so a broken
     * transfer never leaves a partial file under the final name. The SDK validates the object's
     * stored checksum while it reads, where the server keeps one.
     *
     * @throws NoSuchFileException if there is no such object
     */
    void download(String bucket, String key, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path partial = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            client.getObject(b -> b.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED),
                    ResponseTransformer.toFile(partial));
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException("s3://" + bucket + "/" + key, null, "no such object");
        } catch (SdkException e) {
            throw failure("download", bucket, key, e);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** True if {@code key} exists, by HeadObject. */
    boolean exists(String bucket, String key) throws IOException {
        try {
            client.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("check", bucket, key, e);
        } catch (SdkException e) {
            throw failure("check", bucket, key, e);
        }
    }

    /** Every object whose key starts with {@code prefix}, over as many ListObjectsV2 pages as it takes. */
    List<S3Object> list(String bucket, String prefix) throws IOException {
        try {
            List<S3Object> objects = new ArrayList<>();
            client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().forEach(objects::add);
            return objects;
        } catch (SdkException e) {
            throw failure("list", bucket, prefix, e);
        }
    }

    /** Deletes {@code keys} in batches of DeleteObjects; keys that do not exist are not an error. */
    void delete(String bucket, List<String> keys) throws IOException {
        for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            DeleteObjectsResponse response;
            try {
                response = client.deleteObjects(b -> b.bucket(bucket)
                        .delete(Delete.builder().objects(batch).quiet(true).build()));
            } catch (SdkException e) {
                throw failure("delete", bucket, batch.getFirst().key(), e);
            }
            if (response.hasErrors() && !response.errors().isEmpty()) {
                var error = response.errors().getFirst();
                throw new IOException("could not delete s3://" + bucket + "/" + error.key() + ": " + error.code()
                        + " " + error.message() + " (" + response.errors().size() + " keys failed)");
            }
        }
    }

    /**
     * Copies an object inside the server, replacing its metadata so the copy carries the
     * Content-Type and Cache-Control of {@code kind} rather than the source's.
     */
    void copy(String fromBucket, String fromKey, String bucket, String key, ContentTypes.Kind kind,
            ObjectCannedACL acl) throws IOException {
        try {
            client.copyObject(b -> b.sourceBucket(fromBucket).sourceKey(fromKey)
                    .destinationBucket(bucket).destinationKey(key).acl(acl)
                    .metadataDirective(MetadataDirective.REPLACE)
                    .contentType(kind.contentType()).cacheControl(kind.cacheControl()));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException("s3://" + fromBucket + "/" + fromKey, null, "no such object");
        } catch (SdkException e) {
            throw failure("copy s3://" + fromBucket + "/" + fromKey + " to", bucket, key, e);
        }
    }

    /** Runs {@code tasks} on virtual threads, at most {@code parallelism} at once, and returns their results in order. */
    static <T> List<T> inParallel(List<Callable<T>> tasks, int parallelism) throws IOException {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism),
                Thread.ofVirtual().name("s3-transfer-", 0).factory())) {
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(task));
            }
            List<T> results = new ArrayList<>(tasks.size());
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during an S3 transfer");
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof java.io.UncheckedIOException io) {
                throw io.getCause();
            }
            if (cause instanceof SdkException sdk) {
                throw new IOException("S3 transfer failed: " + sdk.getMessage(), sdk);
            }
            throw new IOException("S3 transfer failed: " + cause, cause);
        }
    }

    private static IOException failure(String action, String bucket, String key, SdkException e) {
        if (e.getCause() instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted: " + action + " s3://" + bucket + "/" + key);
            interrupted.initCause(e);
            return interrupted;
        }
        return new IOException("could not " + action + " s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        client.close();
    }

    /** Reads at most {@code remaining} bytes of the stream it wraps: one part of a file. */
    private static final class BoundedInputStream extends InputStream {

        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
