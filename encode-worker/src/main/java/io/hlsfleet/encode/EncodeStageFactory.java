package io.hlsfleet.encode;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.FleetProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Stage;
import io.hlsfleet.storage.StagingArea;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;

/**
 * Makes the encode stage from the settings, for the encode worker and {@code hlsfleet run} alike,
 * so both read the same setting names with the same defaults.
 */
public final class EncodeStageFactory {

    private EncodeStageFactory() {
    }

    /** @param fleet the broker the stage's jobs come from, which may bound how long one encode may take */
    public static WorkerStage create(StagingArea staging, Settings settings, FleetConfig fleet, MeterRegistry registry)
            throws IOException {
        int jobs = settings.bind(FleetProperties.class).concurrency(Stage.ENCODE);
        EncodeSettings encode = EncodeSettings.from(settings, jobs);
        if (fleet.broker().equals(FleetProperties.Broker.RABBITMQ.id())) {
            // Redis renews a lease while the job runs; RabbitMQ ends a consumer at its timeout.
            encode = encode.within(fleet.consumerTimeout());
        }
        return new WorkerStage(Stage.ENCODE, new EncodeStage(staging, encode, new EncodeMetrics(registry),
                SegmentEncryption.from(settings, encode.profile().container()), settings.bind(ChunkProperties.class)));
    }
}
