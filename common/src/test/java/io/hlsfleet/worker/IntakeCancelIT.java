package io.hlsfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.status.CancelRequests;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.RedisJobStatusStore;
import io.hlsfleet.status.StatusRecorder;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.transport.Transport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The intake's cancel message ({@code {"cancel": "<jobId>"}}) on each broker: it stops a running
 * download the way {@code hlsfleet cancel} does, a second one is refused (the job has ended) and
 * simply consumed, and one naming no valid job id is dead-lettered with the reason.
 */
class IntakeCancelIT {

    private static final String VHOST = "hlsfleet-intake-cancel";
    private static final RetryPolicy POLICY = new RetryPolicy(List.of(Duration.ofSeconds(1)), 2, 5);

    @TempDir
    Path staging;

    private final Intake intake = new Intake("intake cancel test".getBytes(StandardCharsets.UTF_8), false);

    @AfterAll
    static void deleteVhost() {
        Brokers.deleteRabbitVhost(VHOST);
    }

    private static Transport connect(String broker) {
        return Brokers.isolatedTransport(broker, VHOST, Duration.ofSeconds(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void aCancelMessageStopsARunningJobAndIsRefusedOnceItEnded(String broker) throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        StageHandler downloadForever = (job, context) -> {
            running.countDown();
            Thread.sleep(Duration.ofMinutes(2));
            return job.outputs();
        };
        try (Transport transport = connect(broker);
             CancelRequests requests = new CancelRequests(Brokers.redisUrl());
             RedisJobStatusStore store = new RedisJobStatusStore(Brokers.redisUrl())) {
            StatusRecorder status = new StatusRecorder(store);
            // Two consumers: one runs the job, the other takes the cancel message meanwhile.
            try (StageWorker download = new StageWorker(Stage.DOWNLOAD, downloadForever, transport, POLICY, status,
                    new SimpleMeterRegistry(), intake)
                    .cancelledBy(requests.forWorker(new LocalStagingArea(staging))).start(2)) {
                Job job = intake.seal(Job.submit("https://videos.example.org/intake-cancel.mp4", false));
                status.queued(job);
                transport.publish(Stage.DOWNLOAD, job);
                assertThat(running.await(20, TimeUnit.SECONDS)).as("download started").isTrue();

                transport.publishRaw(Stage.DOWNLOAD, cancelMessage(job.jobId()));

                await().atMost(Duration.ofSeconds(15)).until(() -> store.find(job.jobId())
                        .map(s -> s.state() == JobState.CANCELLED).orElse(false));
                JobStatus cancelled = store.find(job.jobId()).orElseThrow();
                assertThat(cancelled.reason()).isEqualTo(StageWorker.INTAKE_CANCEL_REASON);

                // Refused (already cancelled): consumed, nothing dead-lettered, the status unchanged.
                transport.publishRaw(Stage.DOWNLOAD, cancelMessage(job.jobId()));
                transport.publishRaw(Stage.DOWNLOAD, "{\"cancel\": \"../not-a-job\"}".getBytes(StandardCharsets.UTF_8));
                await().atMost(Duration.ofSeconds(15)).until(() -> !transport.deadLetters(Stage.DOWNLOAD, 10).isEmpty()
                        && transport.queueDepths().get(Stage.DOWNLOAD) == 0);
                Thread.sleep(500);
                assertThat(transport.deadLetters(Stage.DOWNLOAD, 10)).singleElement().satisfies(letter -> {
                    assertThat(letter.job()).isNull();
                    assertThat(letter.reason()).contains("cancel message without a valid job id");
                });
                assertThat(transport.queueDepths()).containsEntry(Stage.DOWNLOAD, 0L).containsEntry(Stage.ENCODE, 0L);
                assertThat(store.find(job.jobId()).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
                transport.purgeDeadLetters(Stage.DOWNLOAD);
            }
        }
    }

    private static byte[] cancelMessage(String jobId) {
        return ("{\"cancel\": \"" + jobId + "\"}").getBytes(StandardCharsets.UTF_8);
    }
}
