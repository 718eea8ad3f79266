package io.hlsfleet.boot;

import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.storage.s3.S3ObjectStore;
import io.hlsfleet.storage.s3.S3StagingArea;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The start-up check of the stores on S3: each bucket answers, and a small object goes up with the
 * configured integrity mode, comes back intact and is deleted. Local directories are checked by
 * the staging readiness check already.
 */
final class StoreCheck implements StartupCheck {

    private final StagingArea staging;
    private final ObjectStore bucket;

    StoreCheck(StagingArea staging, ObjectStore bucket) {
        this.staging = staging;
        this.bucket = bucket;
    }

    @Override
    public String name() {
        return "stores";
    }

    @Override
    public Map<String, Object> run() throws Exception {
        Map<String, Object> found = new LinkedHashMap<>();
        if (staging instanceof S3StagingArea s3) {
            s3.check();
            found.put("staging", s3.location().uri() + ", integrity " + s3.integrity());
        }
        if (bucket instanceof S3ObjectStore s3) {
            s3.check();
            found.put("bucket", s3.location().uri() + ", integrity " + s3.integrity());
        }
        return found;
    }
}
