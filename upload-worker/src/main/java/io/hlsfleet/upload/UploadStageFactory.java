package io.hlsfleet.upload;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Stage;
import io.hlsfleet.storage.KeyStore;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import java.io.IOException;
import java.time.Clock;

/**
 * Makes the upload stage from the settings, for the upload worker and {@code hlsfleet run} alike,
 * so both read the same setting names with the same defaults. A key store inside the public bucket
 * is refused here, at start-up.
 */
public final class UploadStageFactory {

    private UploadStageFactory() {
    }

    public static WorkerStage create(StagingArea staging, ObjectStore bucket, Settings settings) throws IOException {
        UploadProperties upload = settings.bind(UploadProperties.class);
        KeyStore keys = KeyStore.from(settings);
        return new WorkerStage(Stage.UPLOAD, new UploadStage(staging, bucket, upload.parallelism(), keys,
                new OldGenerations(bucket, keys, upload.oldGenerationDelay(), Clock.systemUTC())));
    }
}
