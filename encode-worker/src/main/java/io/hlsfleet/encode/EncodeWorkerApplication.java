package io.hlsfleet.encode;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.FleetProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Stage;
import io.hlsfleet.storage.StagingArea;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The encode worker: consumes {@code hlsfleet.encode}, one ffmpeg per job. */
@SpringBootApplication
public class EncodeWorkerApplication {

    public static void main(String[] args) {
        SpringApplication.run(EncodeWorkerApplication.class, args);
    }

    @Bean
    WorkerStage encodeStage(StagingArea staging, Settings settings, FleetConfig fleet, MeterRegistry registry)
            throws IOException {
        int jobs = settings.bind(FleetProperties.class).concurrency(Stage.ENCODE);
        EncodeSettings encode = EncodeSettings.from(settings, jobs);
        if (fleet.broker().equals("rabbitmq")) {
            // Redis renews a lease while the job runs; RabbitMQ ends a consumer at its timeout.
            encode = encode.within(fleet.consumerTimeout());
        }
        return new WorkerStage(Stage.ENCODE, new EncodeStage(staging, encode, new EncodeMetrics(registry),
                SegmentEncryption.from(settings, encode.profile().container())));
    }
}
