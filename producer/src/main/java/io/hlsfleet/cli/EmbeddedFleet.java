package io.hlsfleet.cli;

import io.hlsfleet.boot.WorkerStage;
import io.hlsfleet.config.EventsProperties;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.FleetProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.download.DownloadStageFactory;
import io.hlsfleet.encode.EncodeStageFactory;
import io.hlsfleet.events.EventRecorder;
import io.hlsfleet.events.InProcessEventBus;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.transport.InMemoryTransport;
import io.hlsfleet.upload.UploadStageFactory;
import io.hlsfleet.webhook.WebhookSender;
import io.hlsfleet.worker.JobListener;
import io.hlsfleet.worker.StageWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * All three stages in one process on in-memory queues: the fleet of a user with one machine and
 * no broker. The stages come from the same factories as the distributed workers', so they read
 * the same settings with the same defaults, {@code HLSFLEET_CONCURRENCY} included.
 */
final class EmbeddedFleet implements AutoCloseable {

    private final InMemoryTransport transport = new InMemoryTransport();
    private final List<WorkerStage> stages = new ArrayList<>();
    private final List<StageWorker> workers = new ArrayList<>();
    private final Intake intake;
    private final InProcessEventBus events = new InProcessEventBus();
    private Optional<WebhookSender> webhooks = Optional.empty();

    /** How long the end of a run waits for webhooks still being tried. */
    private static final Duration WEBHOOK_DRAIN = Duration.ofMinutes(2);

    /**
     * @param allowedNetworks networks the SSRF guard lets through besides those of
     *        {@code HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS} ({@code --allow-network})
     */
    EmbeddedFleet(Settings settings, List<String> allowedNetworks, Path staging, Path bucket, JobListener listener)
            throws IOException {
        // The stages are chained in memory, whatever broker the environment names for the workers.
        Settings local = settings.with(Map.of("HLSFLEET_BROKER", FleetProperties.Broker.MEMORY.id()));
        FleetConfig config = FleetConfig.from(local);
        intake = Intake.from(local, config);
        MeterRegistry registry = new SimpleMeterRegistry();
        LocalStagingArea stagingArea = new LocalStagingArea(staging);
        try {
            stages.add(DownloadStageFactory.create(stagingArea, local, registry, true, allowedNetworks));
            stages.add(EncodeStageFactory.create(stagingArea, local, config, registry));
            stages.add(UploadStageFactory.create(stagingArea, new LocalObjectStore(bucket), local));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        // Webhooks go out from this process, fed by events that stay in it.
        webhooks = WebhookSender.from(local, events, registry).map(WebhookSender::start);
        JobListener listeners = listener;
        if (webhooks.isPresent()) {
            EventsProperties eventSettings = local.bind(EventsProperties.class);
            listeners = JobListener.all(List.of(listener, new EventRecorder(events, eventSettings.progressInterval(),
                    eventSettings.masterUrlBase(bucket.toUri().toString()))));
        }
        FleetProperties fleet = local.bind(FleetProperties.class);
        for (WorkerStage stage : stages) {
            workers.add(new StageWorker(stage.stage(), stage.handler(), transport, config.retryPolicy(), listeners,
                    registry, intake).start(fleet.concurrency(stage.stage())));
        }
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
        // Stop the first stage first, so nothing is handed to a stage that is already gone; then
        // release what the stages hold (the download's HTTP and S3 clients).
        workers.forEach(worker -> worker.stop(Duration.ofSeconds(5)));
        webhooks.ifPresent(sender -> {
            try {
                if (!events.awaitHandled(WEBHOOK_DRAIN)) {
                    System.getLogger(EmbeddedFleet.class.getName()).log(System.Logger.Level.WARNING,
                            "webhooks still being tried after " + WEBHOOK_DRAIN.toSeconds() + " s are dropped");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sender.close();
        });
        for (WorkerStage stage : stages) {
            try {
                stage.close();
            } catch (Exception e) {
                System.getLogger(EmbeddedFleet.class.getName()).log(System.Logger.Level.WARNING,
                        "closing the " + stage.stage() + " stage failed", e);
            }
        }
        transport.close();
    }
}
