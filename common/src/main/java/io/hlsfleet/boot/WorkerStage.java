package io.hlsfleet.boot;

import io.hlsfleet.job.Stage;
import io.hlsfleet.worker.StageHandler;

/**
 * What a worker application contributes: the stage it runs and that stage's handler. Everything
 * else (transport, retries, status, metrics, shutdown) comes from {@link WorkerAutoConfiguration}.
 */
public record WorkerStage(Stage stage, StageHandler handler) {
}
