package io.hlsfleet.storage.s3;

import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.ObjectStoreContract;
import io.hlsfleet.testing.S3ServerExtension;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The object store contract on a bucket of a real S3 server (S3Proxy), each test under a prefix of its own. */
class S3ObjectStoreContractIT extends ObjectStoreContract {

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("cdn");

    private String prefix;

    @Override
    protected ObjectStore newStore(Path tmp) throws Exception {
        prefix = "hls-" + UUID.randomUUID();
        return new S3ObjectStore(S3Location.parse("s3://cdn/" + prefix), S3.server().settings(tmp.resolve("scratch")));
    }

    @Override
    protected byte[] read(String key) {
        return S3.server().admin().getObjectAsBytes(b -> b.bucket("cdn").key(prefix + "/" + key)).asByteArray();
    }
}
