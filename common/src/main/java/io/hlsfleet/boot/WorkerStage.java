package io.hlsfleet.boot;

import io.hlsfleet.job.Stage;
import io.hlsfleet.worker.StageHandler;

/**
 * What a worker application contributes: the stage it runs and that stage's handler, made by the
 * module's stage factory (the same one {@code hlsfleet run} uses). Everything else (transport,
 * retries, status, metrics, shutdown) comes from {@link WorkerAutoConfiguration}. Closing it closes
 * the handler when that holds resources (HTTP and S3 clients); Spring does so at shutdown, after
 * the worker has stopped taking jobs.
 */
public record WorkerStage(Stage stage, StageHandler handler) implements AutoCloseable {

    @Override
    public void close() throws Exception {
        if (handler instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
