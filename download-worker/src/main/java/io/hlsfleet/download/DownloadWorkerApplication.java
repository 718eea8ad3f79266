package io.hlsfleet.download;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.Settings;
import io.hlsfleet.storage.StagingArea;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The download worker: consumes the intake queue {@code hlsfleet.download}. */
@SpringBootApplication
public class DownloadWorkerApplication {

    public static void main(String[] args) {
        SpringApplication.run(DownloadWorkerApplication.class, args);
    }

    @Bean
    WorkerStage downloadStage(StagingArea staging, Settings settings, MeterRegistry registry) {
        return DownloadStageFactory.create(staging, settings, registry, false, List.of());
    }
}
