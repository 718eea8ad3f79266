package io.hlsfleet.encode;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
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
        return EncodeStageFactory.create(staging, settings, fleet, registry);
    }
}
