package io.hlsfleet.storage;

import java.io.IOException;
import java.nio.file.Path;

/** A bucket the ladders are published to: a mounted directory or S3-compatible storage. */
public interface ObjectStore {

    /** Writes {@code file} as {@code key}; readers see the old object or the whole new one. */
    void put(String key, Path file, ContentTypes.Kind kind) throws IOException;

    boolean exists(String key) throws IOException;

    /** A description for logs and the README's status output, such as {@code file:///srv/cdn}. */
    String describe();
}
