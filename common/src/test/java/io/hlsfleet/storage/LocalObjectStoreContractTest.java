package io.hlsfleet.storage;

import java.nio.file.Files;
import java.nio.file.Path;

/** The object store contract on a mounted directory. */
class LocalObjectStoreContractTest extends ObjectStoreContract {

    private Path bucket;

    @Override
    protected ObjectStore newStore(Path tmp) throws Exception {
        bucket = tmp.resolve("bucket");
        return new LocalObjectStore(bucket);
    }

    @Override
    protected byte[] read(String key) throws Exception {
        return Files.readAllBytes(bucket.resolve(key));
    }
}
