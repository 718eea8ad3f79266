package io.hlsfleet.storage.s3;

import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * A bucket on S3 or an S3-compatible server: {@code HLSFLEET_BUCKET=s3://bucket/prefix}. Every
 * object gets the Content-Type and Cache-Control of its kind; a PutObject or a completed multipart
 * upload replaces an object whole, so readers see the old object or the new one.
 */
public final class S3ObjectStore extends S3Bucket implements ObjectStore {

    public S3ObjectStore(S3Location location, S3Settings settings) {
        super(location, settings);
    }

    @Override
    public void put(String key, Path file, ContentTypes.Kind kind) throws IOException {
        s3.upload(location.bucket(), location.key(key), file, kind, s3.settings().publishAcl());
    }

    @Override
    public boolean exists(String key) throws IOException {
        return s3.exists(location.bucket(), location.key(key));
    }

    @Override
    public byte[] read(String key) throws IOException {
        return s3.read(location.bucket(), location.key(key));
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        String root = location.root();
        return s3.list(location.bucket(), location.directory(prefix)).stream()
                .filter(o -> !o.key().endsWith("/"))
                .map(o -> new StoredObject(o.key().substring(root.length()), o.size(), o.lastModified()))
                .sorted(Comparator.comparing(StoredObject::key))
                .toList();
    }

    @Override
    public void delete(List<String> keys) throws IOException {
        if (!keys.isEmpty()) {
            s3.delete(location.bucket(), keys.stream().map(location::key).toList());
        }
    }

    /**
     * Staging on the same server, as both stores are when they come from the same settings:
     * CopyObject then moves the bytes inside the server.
     */
    @Override
    public boolean canCopyFrom(StagingArea staging) {
        return staging instanceof S3StagingArea s3Staging && s3Staging.settings().sameServer(settings());
    }

    @Override
    public void copyFrom(StagingArea staging, String stagedKey, String key, ContentTypes.Kind kind)
            throws IOException {
        if (!canCopyFrom(staging)) {
            throw new UnsupportedOperationException(describe() + " cannot copy from " + staging);
        }
        S3Location from = ((S3StagingArea) staging).location();
        s3.copy(from.bucket(), from.key(stagedKey), location.bucket(), location.key(key), kind, s3.settings().publishAcl());
    }

    /** Aborts multipart uploads into the bucket's prefix that killed workers never completed. */
    @Override
    public int sweep(Instant cutoff) throws IOException {
        return s3.abortIncompleteUploads(location.bucket(), location.root(), cutoff);
    }

    @Override
    public String describe() {
        return location.uri();
    }
}
