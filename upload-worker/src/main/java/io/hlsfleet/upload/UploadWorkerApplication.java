package io.hlsfleet.upload;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.Settings;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import java.io.IOException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The upload worker: consumes {@code hlsfleet.upload} and publishes ladders to the bucket. */
@SpringBootApplication
public class UploadWorkerApplication {

    public static void main(String[] args) {
        SpringApplication.run(UploadWorkerApplication.class, args);
    }

    @Bean
    WorkerStage uploadStage(StagingArea staging, ObjectStore bucket, Settings settings) throws IOException {
        return UploadStageFactory.create(staging, bucket, settings);
    }
}
