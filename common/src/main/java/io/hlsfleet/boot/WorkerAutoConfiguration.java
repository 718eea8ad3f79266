package io.hlsfleet.boot;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.events.EventRecorder;
import io.hlsfleet.config.FleetProperties;
import io.hlsfleet.config.ObservabilityProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Intake;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.storage.Stores;
import io.hlsfleet.transport.QueueStats;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import io.hlsfleet.transport.rabbit.RabbitTransport;
import io.hlsfleet.status.CancelRequests;
import io.hlsfleet.status.JobStatusStores;
import io.hlsfleet.webhook.WebhookSender;
import io.hlsfleet.worker.Cancellation;
import io.hlsfleet.worker.JobListener;
import io.hlsfleet.worker.JobTracing;
import io.hlsfleet.worker.LeftoverSweeper;
import io.hlsfleet.worker.StageWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionNameStrategy;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

/**
 * Spring Boot wiring shared by the three worker applications. Configuration is bound into the same
 * typed records the CLI uses, from Spring's environment (so {@code HLSFLEET_*} variables, system
 * properties and {@code application.properties} all work). On RabbitMQ the transport consumes and
 * publishes through Spring Boot's connection factory, the one the readiness check probes.
 */
@AutoConfiguration
@ConditionalOnBean(WorkerStage.class)
public class WorkerAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public Settings hlsfleetSettings(Environment environment) {
        return Settings.of(environment);
    }

    @Bean
    @ConditionalOnMissingBean
    public FleetConfig fleetConfig(Settings settings) {
        return FleetConfig.from(settings);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Transport hlsfleetTransport(FleetConfig config, ObjectProvider<CachingConnectionFactory> rabbit) {
        if (config.broker().equals("rabbitmq")) {
            return RabbitTransport.connect(config, rabbit.getObject());
        }
        return Transports.connect(config);
    }

    /** Names the worker's RabbitMQ connection after its process, as the CLI's is. */
    @Bean
    @ConditionalOnMissingBean
    public ConnectionNameStrategy hlsfleetConnectionName() {
        return RabbitTransport.CONNECTION_NAME;
    }

    @Bean
    @ConditionalOnMissingBean
    public StagingArea stagingArea(FleetConfig config, Settings settings) throws IOException {
        return Stores.staging(config.staging(), settings);
    }

    @Bean
    @ConditionalOnMissingBean
    public ObjectStore bucket(FleetConfig config, Settings settings) throws IOException {
        return Stores.bucket(config.bucket(), settings);
    }

    /**
     * Removes what killed workers left in staging and the bucket, and what is left staged for jobs
     * the status store knows are done with it ({@code HLSFLEET_SWEEP_AGE}, {@code _INTERVAL}).
     */
    @Bean(destroyMethod = "close")
    public LeftoverSweeper leftoverSweeper(StagingArea staging, ObjectStore bucket, Settings settings,
            FleetConfig config) {
        LeftoverSweeper.SweepSettings sweep = LeftoverSweeper.SweepSettings.from(settings);
        return new LeftoverSweeper(staging, bucket, JobStatusStores.connect(settings, config).orElse(null),
                sweep.age(), Clock.systemUTC()).start(sweep.interval());
    }

    /**
     * Job status for {@code hlsfleet status}/{@code watch}, written when a Redis store is
     * configured, and job events on the broker ({@code hlsfleet events}).
     */
    @Bean
    @ConditionalOnMissingBean
    public JobListener jobStatusRecorder(Settings settings, FleetConfig config, Transport transport,
            ObjectStore bucket) {
        return JobListener.all(List.of(JobStatusStores.recorder(settings, config),
                EventRecorder.from(settings, transport, bucket.describe())));
    }

    /**
     * The webhook sender, in every worker when webhooks are on ({@code HLSFLEET_WEBHOOK_URL}, or
     * {@code callbackUrl} among the allowed options): the workers share the deliveries.
     */
    @Bean(destroyMethod = "close")
    public WebhookSenders webhookSenders(Settings settings, Transport transport, MeterRegistry registry) {
        return new WebhookSenders(WebhookSender.from(settings, transport.events(), registry).map(WebhookSender::start));
    }

    /** The running webhook sender, if any, as one bean whatever the settings say. */
    public record WebhookSenders(Optional<WebhookSender> sender) implements AutoCloseable {
        @Override
        public void close() {
            sender.ifPresent(WebhookSender::close);
        }
    }

    /** The start-up check of the stores on S3 (see {@link StoreCheck}). */
    @Bean
    StartupCheck storeCheck(StagingArea staging, ObjectStore bucket) {
        return new StoreCheck(staging, bucket);
    }

    /** The start-up check of the broker's version and features (see {@link BrokerCheck}). */
    @Bean
    StartupCheck brokerCheck(FleetConfig config, ObjectProvider<CachingConnectionFactory> rabbit) {
        return new BrokerCheck(config, config.broker().equals("rabbitmq") ? rabbit.getObject() : null);
    }

    /** Runs the start-up checks before the worker consumes; readiness component {@code startupChecks}. */
    @Bean(destroyMethod = "close")
    StartupGate startupChecks(List<StartupCheck> checks) {
        return new StartupGate(checks, STARTUP_CHECK_RETRY);
    }

    /** How often failed start-up checks run again, so a fixed store or broker needs no restart. */
    private static final Duration STARTUP_CHECK_RETRY = Duration.ofSeconds(15);

    /** Cancel requests ({@code hlsfleet cancel}), kept where job status is; none without a status store. */
    @Bean
    @ConditionalOnMissingBean
    public Cancellation jobCancellation(Settings settings, FleetConfig config, StagingArea staging) {
        return CancelRequests.connect(settings, config).map(requests -> requests.forWorker(staging))
                .orElse(Cancellation.NONE);
    }

    @Bean
    public StageWorkerLifecycle stageWorkerLifecycle(WorkerStage workerStage, Transport transport, FleetConfig config,
            Settings settings, MeterRegistry registry, ObjectProvider<JobListener> listeners,
            ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator, StartupGate startupGate,
            Cancellation cancellation) {
        StageWorker worker = new StageWorker(workerStage.stage(), workerStage.handler(), transport,
                config.retryPolicy(), listeners.getIfAvailable(() -> JobListener.NONE), registry,
                JobTracing.of(tracer.getIfAvailable(), propagator.getIfAvailable()),
                Intake.from(settings, config)).cancelledBy(cancellation);
        return new StageWorkerLifecycle(worker,
                settings.bind(FleetProperties.class).concurrency(workerStage.stage()), config, startupGate);
    }

    /**
     * Where queue gauges come from: the transport itself when it can tell, RabbitMQ's management
     * API ({@code HLSFLEET_RABBITMQ_MANAGEMENT_URL}, by default port 15672 of the AMQP host), or
     * what the plain transport interface offers. Primary, because a transport that reports its own
     * queues (Redis) is a second {@link QueueStats} bean once created.
     */
    @Bean
    @Primary
    @ConditionalOnMissingBean
    public QueueStats queueStats(Transport transport, FleetConfig config, Settings settings) {
        if (transport instanceof QueueStats own) {
            return own;
        }
        if (config.broker().equals("rabbitmq")) {
            String url = settings.bind(ObservabilityProperties.class).rabbitmqManagementUrl();
            return new RabbitManagementQueueStats(url != null ? url : RabbitManagementQueueStats.defaultUrl(config.rabbit()),
                    config.rabbit());
        }
        return new TransportQueueStats(transport);
    }

    /** Queue gauges, polled every {@code HLSFLEET_QUEUE_METRICS_INTERVAL} (10 s by default). */
    @Bean(destroyMethod = "close")
    public QueueMetrics queueMetrics(QueueStats stats, Settings settings, StageWorkerLifecycle lifecycle) {
        StageWorker worker = lifecycle.worker;
        return new QueueMetrics(stats, settings.bind(ObservabilityProperties.class).queueMetricsInterval(),
                worker.stage(), worker::lastTakenQueuedAt, Clock.systemUTC());
    }

    /** Readiness checks; the group membership is set by {@link WorkerEnvironment}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class HealthChecks {

        @Bean
        HealthIndicator stagingHealthIndicator(StagingArea staging) {
            return StoreHealthIndicators.staging(staging);
        }

        @Bean
        HealthIndicator bucketHealthIndicator(ObjectStore bucket) {
            return StoreHealthIndicators.bucket(bucket);
        }

        @Bean
        @ConditionalOnProperty(name = "hlsfleet.broker", havingValue = "redis")
        HealthIndicator redisHealthIndicator(FleetConfig config) {
            return StoreHealthIndicators.redis(config);
        }
    }

    /**
     * Starts consuming once the application is up and its start-up checks pass and, on SIGTERM,
     * stops taking jobs and lets the ones in flight finish within the grace period before the
     * transport closes.
     */
    public static final class StageWorkerLifecycle implements SmartLifecycle {

        final StageWorker worker;
        private final int concurrency;
        private final FleetConfig config;
        private final StartupGate startupGate;
        private volatile boolean running;

        StageWorkerLifecycle(StageWorker worker, int concurrency, FleetConfig config, StartupGate startupGate) {
            this.worker = worker;
            this.concurrency = concurrency;
            this.config = config;
            this.startupGate = startupGate;
        }

        @Override
        public void start() {
            startupGate.open(() -> worker.start(concurrency));
            running = true;
        }

        @Override
        public void stop() {
            startupGate.close();
            worker.stop(config.shutdownGrace());
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            // Stop before the web server and the connection factory, start after them.
            return Integer.MAX_VALUE - 1000;
        }
    }
}
