package io.hlsfleet.upload;

import io.hlsfleet.job.PublishedVideo;
import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real bucket (local or S3) that also records the order in which objects reached it and left it,
 * and which objects were deleted while their video's master playlist was still there.
 */
final class RecordingBucket implements ObjectStore {

    private final ObjectStore delegate;
    final List<String> uploaded = new CopyOnWriteArrayList<>();
    final List<String> copied = new CopyOnWriteArrayList<>();
    final List<String> deleted = new CopyOnWriteArrayList<>();
    final List<String> deletedWhileMasterExisted = new CopyOnWriteArrayList<>();
    /** Run after each delete, to let something else write meanwhile; null for nothing. */
    volatile Runnable afterDelete;

    RecordingBucket(ObjectStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public void put(String key, Path file, ContentTypes.Kind kind) throws IOException {
        delegate.put(key, file, kind);
        uploaded.add(key);
    }

    @Override
    public boolean exists(String key) throws IOException {
        return delegate.exists(key);
    }

    @Override
    public byte[] read(String key) throws IOException {
        return delegate.read(key);
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public void delete(List<String> keys) throws IOException {
        for (String key : keys) {
            int slash = key.indexOf('/');
            String master = slash < 0 ? null : PublishedVideo.masterKey(key.substring(0, slash));
            if (master != null && !key.equals(master) && delegate.exists(master)) {
                deletedWhileMasterExisted.add(key);
            }
        }
        delegate.delete(keys);
        deleted.addAll(keys);
        Runnable then = afterDelete;
        if (then != null) {
            then.run();
        }
    }

    @Override
    public boolean canCopyFrom(StagingArea staging) {
        return delegate.canCopyFrom(staging);
    }

    @Override
    public void copyFrom(StagingArea staging, String stagedKey, String key, ContentTypes.Kind kind) throws IOException {
        delegate.copyFrom(staging, stagedKey, key, kind);
        copied.add(key);
    }

    @Override
    public int sweep(Instant cutoff) throws IOException {
        return delegate.sweep(cutoff);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }
}
