package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void keysCannotLeaveTheBucket(@TempDir Path tmp) throws Exception {
        LocalObjectStore bucket = new LocalObjectStore(tmp.resolve("bucket"));
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> bucket.put("../outside", file, ContentTypes.OTHER)).hasMessageContaining("leaves");
        assertThatThrownBy(() -> bucket.put("/etc/x", file, ContentTypes.OTHER)).hasMessageContaining("leaves");
    }
}
