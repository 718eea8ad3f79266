package io.hlsfleet.storage.s3;

import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.storage.StagingAreaContract;
import io.hlsfleet.testing.S3ServerExtension;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The staging area contract in a bucket of a real S3 server (S3Proxy), each test under a prefix of its own. */
class S3StagingAreaContractIT extends StagingAreaContract {

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("staging");

    @Override
    protected StagingArea newStagingArea(Path tmp) throws Exception {
        return new S3StagingArea(S3Location.parse("s3://staging/" + UUID.randomUUID()),
                S3.server().settings(tmp.resolve("scratch")));
    }
}
