package io.hlsfleet.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A bucket the ladders are published to: a mounted directory or S3-compatible storage. */
public interface ObjectStore {

    /** Writes {@code file} as {@code key}; readers see the old object or the whole new one. */
    void put(String key, Path file, ContentTypes.Kind kind) throws IOException;

    boolean exists(String key) throws IOException;

    /**
     * The bytes of a small object, such as a playlist.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such object
     */
    byte[] read(String key) throws IOException;

    /**
     * Every object whose key lies under {@code prefix/}, with keys as {@link #put} takes them,
     * sorted by key; empty if there is none. Unfinished uploads are not objects.
     */
    List<StoredObject> list(String prefix) throws IOException;

    /** Deletes {@code keys}; keys that do not exist are not an error. */
    void delete(List<String> keys) throws IOException;

    /**
     * True if {@link #copyFrom} can copy what {@code staging} holds straight into this bucket,
     * on the storage server, without the bytes passing through this machine.
     */
    default boolean canCopyFrom(StagingArea staging) {
        return false;
    }

    /**
     * Copies the file that {@code staging} stores as {@code stagedKey} to {@code key}, with the
     * metadata of {@code kind}. Only for a staging area this bucket {@linkplain #canCopyFrom can copy from}.
     */
    default void copyFrom(StagingArea staging, String stagedKey, String key, ContentTypes.Kind kind)
            throws IOException {
        throw new UnsupportedOperationException(describe() + " cannot copy from staging");
    }

    /**
     * Removes uploads into this bucket that were started before {@code cutoff} and never
     * finished (temporary {@code .part} files, incomplete multipart uploads): what killed
     * workers left. Returns how many were removed.
     */
    int sweep(Instant cutoff) throws IOException;

    /** A description for logs and the README's status output, such as {@code file:///srv/cdn}. */
    String describe();

    /** One object of a bucket: its key, its size and when it was last written. */
    record StoredObject(String key, long size, Instant lastModified) {
    }
}
