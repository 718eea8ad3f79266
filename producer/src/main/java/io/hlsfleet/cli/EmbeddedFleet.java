package io.hlsfleet.cli;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.FleetProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.download.DownloadSettings;
import io.hlsfleet.download.DownloadStage;
import io.hlsfleet.encode.EncodeMetrics;
import io.hlsfleet.encode.EncodeSettings;
import io.hlsfleet.encode.EncodeStage;
import io.hlsfleet.encode.SegmentEncryption;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.transport.InMemoryTransport;
import io.hlsfleet.upload.UploadStage;
import io.hlsfleet.worker.JobListener;
import io.hlsfleet.worker.StageWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * All three stages in one process on in-memory queues: the fleet of a user with one machine and
 * no broker. The same stage classes and runtime as the distributed workers run here.
 */
final class EmbeddedFleet implements AutoCloseable {

    private final InMemoryTransport transport = new InMemoryTransport();
    private final List<StageWorker> workers = new ArrayList<>();
    private final Intake intake;

    /**
     * @param allowedNetworks networks the SSRF guard lets through besides those of
     *        {@code HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS} ({@code --allow-network})
     */
    EmbeddedFleet(Settings settings, List<String> allowedNetworks, Path staging, Path bucket, JobListener listener)
            throws IOException {
        FleetConfig config = FleetConfig.from(settings);
        intake = Intake.from(settings, config);
        MeterRegistry registry = new SimpleMeterRegistry();
        LocalStagingArea stagingArea = new LocalStagingArea(staging);
        int encodeJobs = settings.bind(FleetProperties.class).concurrency(Stage.ENCODE);
        EncodeSettings encodeSettings = EncodeSettings.from(settings, encodeJobs);
        workers.add(new StageWorker(Stage.DOWNLOAD,
                new DownloadStage(stagingArea, DownloadSettings.from(settings, true).withAllowedNetworks(allowedNetworks),
                        registry),
                transport, config.retryPolicy(), listener, registry, intake)
                .start(8));
        workers.add(new StageWorker(Stage.ENCODE,
                new EncodeStage(stagingArea, encodeSettings, new EncodeMetrics(registry),
                        SegmentEncryption.from(settings, encodeSettings.profile().container())),
                transport, config.retryPolicy(), listener, registry, intake)
                .start(encodeJobs));
        workers.add(new StageWorker(Stage.UPLOAD,
                new UploadStage(stagingArea, new LocalObjectStore(bucket), 8),
                transport, config.retryPolicy(), listener, registry, intake)
                .start(2));
    }

    void submit(Job job) {
        transport.publish(Stage.DOWNLOAD, intake.seal(job));
    }

    /** Queues a body as another tool writing to the intake queue would: it is not trusted with identity. */
    void submitRaw(byte[] body) {
        transport.publishRaw(Stage.DOWNLOAD, body);
    }

    /** What a stage gave up on, as {@code hlsfleet dlq list} would show it. */
    List<DeadLetter> deadLetters(Stage stage) {
        return transport.deadLetters(stage, 100);
    }

    @Override
    public void close() {
        // Stop the first stage first, so nothing is handed to a stage that is already gone.
        workers.forEach(worker -> worker.stop(Duration.ofSeconds(5)));
        transport.close();
    }
}
