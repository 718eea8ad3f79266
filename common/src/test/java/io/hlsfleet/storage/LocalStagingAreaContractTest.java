package io.hlsfleet.storage;

import java.nio.file.Path;

/** The staging area contract on a shared directory. */
class LocalStagingAreaContractTest extends StagingAreaContract {

    @Override
    protected StagingArea newStagingArea(Path tmp) throws Exception {
        return new LocalStagingArea(tmp.resolve("staging"));
    }
}
