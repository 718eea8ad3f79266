package io.hlsfleet.storage.s3;

import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.InParallel;
import io.hlsfleet.storage.LocalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
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
    /** Single deletes sent at once where DeleteObjects cannot be used. */
    private static final int PARALLEL_DELETES = 8;

    private static final Logger log = LoggerFactory.getLogger(S3Transfers.class);

    private final S3Client client;
    private final S3Settings settings;
    /** The flexible checksum named on uploads, or null when the mode or the SDK's settings want none. */
    private final ChecksumAlgorithm requestAlgorithm;
    private final String integrity;

    /** A client for {@code settings}; {@code location} names the store in the start-up log line. */
    S3Transfers(S3Settings settings, String location) {
        this.client = settings.client();
        this.settings = settings;
        RequestChecksumCalculation sdkCalculation = client.serviceClientConfiguration().requestChecksumCalculation();
        this.requestAlgorithm = settings.integrity().requestAlgorithm(sdkCalculation);
        this.integrity = settings.integrity().describe(sdkCalculation);
        if (settings.integrity().unprotected(sdkCalculation)) {
            log.warn("{}: upload integrity {}", location, integrity);
        } else {
            log.info("{}: upload integrity {}", location, integrity);
        }
    }

    S3Settings settings() {
        return settings;
    }

    /** The integrity mode in force, as the start-up log and readiness show it. */
    String integrity() {
        return integrity;
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
                put(bucket, key, RequestBody.fromFile(file), md5(file, 0, size), kind, acl);
            }
        } catch (SdkException e) {
            throw uploadFailure(bucket, key, kind, acl, e);
        }
    }

    private IOException uploadFailure(String bucket, String key, ContentTypes.Kind kind, ObjectCannedACL acl,
            SdkException e) {
        if (e instanceof SdkClientException broken && e.getCause() instanceof IOException
                && !Thread.currentThread().isInterrupted()) {
            return diagnoseBrokenUpload(bucket, key, kind, acl, broken);
        }
        return failure("upload", bucket, key, e);
    }

    private void put(String bucket, String key, RequestBody body, String contentMd5, ContentTypes.Kind kind,
            ObjectCannedACL acl) {
        put(bucket, key, body, contentMd5, kind, acl, null);
    }

    /** A PutObject with the integrity mode's checksum; {@code ifNoneMatch} (if not null) makes it conditional. */
    private void put(String bucket, String key, RequestBody body, String contentMd5, ContentTypes.Kind kind,
            ObjectCannedACL acl, String ifNoneMatch) {
        client.putObject(b -> b.bucket(bucket).key(key).acl(acl).ifNoneMatch(ifNoneMatch)
                .contentType(kind.contentType()).cacheControl(kind.cacheControl())
                .checksumAlgorithm(requestAlgorithm).contentMD5(contentMd5), body);
    }

    /**
     * An upload whose connection broke while the body was being sent. A store that refuses one of
     * the request's headers answers before reading the body and closes the connection, so the SDK
     * sees only a broken pipe; the same request without a body lets the answer through. If the
     * store refuses that too, the upload fails with its words and cannot succeed by retrying;
     * otherwise the connection really broke and the failure stays retryable.
     */
    private IOException diagnoseBrokenUpload(String bucket, String key, ContentTypes.Kind kind, ObjectCannedACL acl,
            SdkClientException broken) {
        String probeKey = key + ".hlsfleet-probe-" + UUID.randomUUID();
        try {
            put(bucket, probeKey, RequestBody.empty(), md5(new byte[0]), kind, acl);
            client.deleteObject(b -> b.bucket(bucket).key(probeKey));
        } catch (S3Exception answer) {
            if (S3Failures.refused(answer)) {
                return new S3RefusedException("the S3 store closed the connection while receiving s3://" + bucket + "/"
                        + key + " (" + broken.getCause().getMessage() + ") and refuses the same request without a body: "
                        + S3Failures.serverWords(answer) + "; " + S3Failures.advice(answer, settings.integrity()), broken);
            }
        } catch (SdkException probeFailed) {
            broken.addSuppressed(probeFailed);
        }
        return failure("upload", bucket, key, broken);
    }

    /** The Content-MD5 of a slice of {@code file} in MD5 mode, else {@code null}. */
    private String md5(Path file, long offset, long length) throws IOException {
        if (settings.integrity() != S3Integrity.MD5) {
            return null;
        }
        MessageDigest digest = md5Digest();
        try (InputStream in = slice(file, offset, length)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return Base64.getEncoder().encodeToString(digest.digest());
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has MD5", e);
        }
    }

    private void uploadMultipart(String bucket, String key, Path file, long size, ContentTypes.Kind kind,
            ObjectCannedACL acl) throws IOException {
        String uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(key).acl(acl)
                .contentType(kind.contentType()).cacheControl(kind.cacheControl())
                .checksumAlgorithm(requestAlgorithm)).uploadId();
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
                    String contentMd5 = md5(file, offset, length);
                    UploadPartResponse part;
                    try {
                        part = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                                        .partNumber(number).contentLength(length).checksumAlgorithm(requestAlgorithm)
                                        .contentMD5(contentMd5),
                                RequestBody.fromContentProvider(() -> slice(file, offset, length), length,
                                        "application/octet-stream"));
                    } catch (SdkException e) {
                        throw uploadFailure(bucket, key, kind, acl, e);
                    }
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
     * transfer never leaves a partial file under the final name. In CRC32 mode the SDK validates the
     * object's stored checksum while it reads, where the server keeps one (unless
     * {@code AWS_RESPONSE_CHECKSUM_VALIDATION=when_required} says otherwise).
     *
     * @throws NoSuchFileException if there is no such object
     */
    void download(String bucket, String key, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path partial = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            client.getObject(b -> b.bucket(bucket).key(key),
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

    /**
     * Stores the small {@code body} as {@code key} only if no object has that key, by a conditional
     * PutObject ({@code If-None-Match: *}); false if one has. A write that raced another on the
     * same key (409) is tried again, since the other may not have completed.
     */
    boolean createIfAbsent(String bucket, String key, byte[] body) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                put(bucket, key, RequestBody.fromBytes(body), md5(body), ContentTypes.OTHER, null, "*");
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 412) {
                    return false;
                }
                if (e.statusCode() != 409 || attempt == CONDITIONAL_CONFLICT_TRIES) {
                    throw failure("create", bucket, key, e);
                }
            } catch (SdkException e) {
                throw failure("create", bucket, key, e);
            }
            try {
                Thread.sleep(50L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while creating s3://" + bucket + "/" + key);
            }
        }
    }

    private static final int CONDITIONAL_CONFLICT_TRIES = 5;

    /** The Content-MD5 of {@code body} in MD5 mode, else {@code null}. */
    private String md5(byte[] body) {
        return settings.integrity() == S3Integrity.MD5 ? Base64.getEncoder().encodeToString(md5Digest().digest(body))
                : null;
    }

    /**
     * The bytes of a small object, read into memory.
     *
     * @throws NoSuchFileException if there is no such object
     */
    byte[] read(String bucket, String key) throws IOException {
        try {
            return client.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException("s3://" + bucket + "/" + key, null, "no such object");
        } catch (SdkException e) {
            throw failure("download", bucket, key, e);
        }
    }

    /**
     * The start-up check of a store: the bucket answers, and a small object under {@code key} goes
     * up with the integrity mode in force, comes back intact and is deleted. A misconfiguration
     * (endpoint, credentials, region, a store that refuses the checksum headers) fails here, once,
     * with the store's words, instead of in every job.
     */
    void check(String bucket, String key) throws IOException {
        try {
            client.headBucket(b -> b.bucket(bucket));
        } catch (SdkException e) {
            throw failure("reach the bucket of", bucket, key, e);
        }
        byte[] content = ("hlsfleet store check " + UUID.randomUUID() + "\n").getBytes(StandardCharsets.UTF_8);
        Path scratch = Files.createTempDirectory("hlsfleet-store-check");
        try {
            Path sent = Files.write(scratch.resolve("check-sent"), content);
            Path received = scratch.resolve("check-received");
            upload(bucket, key, sent, ContentTypes.OTHER, null);
            try {
                download(bucket, key, received);
                if (!Arrays.equals(Files.readAllBytes(received), content)) {
                    throw new IOException("s3://" + bucket + "/" + key + " came back different from what was stored");
                }
            } finally {
                delete(bucket, List.of(key));
            }
        } finally {
            LocalFiles.deleteRecursively(scratch);
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

    /**
     * Aborts the multipart uploads under {@code prefix} started before {@code cutoff}: those of
     * killed workers, whose parts are stored (and billed) until aborted. Returns how many.
     */
    int abortIncompleteUploads(String bucket, String prefix, Instant cutoff) throws IOException {
        try {
            List<MultipartUpload> stale = new ArrayList<>();
            client.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix)).uploads().forEach(upload -> {
                if (upload.initiated() != null && upload.initiated().isBefore(cutoff)) {
                    stale.add(upload);
                }
            });
            for (MultipartUpload upload : stale) {
                abortQuietly(bucket, upload.key(), upload.uploadId());
            }
            return stale.size();
        } catch (SdkException e) {
            throw failure("list the multipart uploads of", bucket, prefix, e);
        }
    }

    /**
     * Deletes {@code keys}; keys that do not exist are not an error. In CRC32 mode in batches of
     * DeleteObjects; otherwise one DeleteObject per key, several at once, since the SDK always
     * names a flexible checksum on DeleteObjects, which stores without them refuse.
     */
    void delete(String bucket, List<String> keys) throws IOException {
        if (settings.integrity() != S3Integrity.CRC32) {
            List<Callable<Void>> deletes = new ArrayList<>(keys.size());
            for (String key : keys) {
                deletes.add(() -> {
                    try {
                        client.deleteObject(b -> b.bucket(bucket).key(key));
                    } catch (SdkException e) {
                        throw failure("delete", bucket, key, e);
                    }
                    return null;
                });
            }
            inParallel(deletes, PARALLEL_DELETES);
            return;
        }
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

    /** Runs {@code tasks} at most {@code parallelism} at once and returns their results in order. */
    static <T> List<T> inParallel(List<Callable<T>> tasks, int parallelism) throws IOException {
        try {
            return InParallel.run("S3 transfer", "s3-transfer-", tasks, parallelism);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during an S3 transfer");
        }
    }

    private IOException failure(String action, String bucket, String key, SdkException e) {
        return S3Failures.of(action, bucket, key, e, settings.integrity());
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
