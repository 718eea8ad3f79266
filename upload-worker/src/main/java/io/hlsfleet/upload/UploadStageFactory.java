package io.hlsfleet.upload;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Stage;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;

/**
 * Makes the upload stage from the settings, for the upload worker and {@code hlsfleet run} alike,
 * so both read the same setting names with the same defaults.
 */
public final class UploadStageFactory {

    private UploadStageFactory() {
    }

    public static WorkerStage create(StagingArea staging, ObjectStore bucket, Settings settings) {
        return new WorkerStage(Stage.UPLOAD,
                new UploadStage(staging, bucket, settings.bind(UploadProperties.class).parallelism()));
    }
}
