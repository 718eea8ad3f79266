package io.hlsfleet.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.PublishedVideo;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.status.CancelRequests;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.RedisJobStatusStore;
import io.hlsfleet.status.StatusRecorder;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.storage.s3.S3Location;
import io.hlsfleet.storage.s3.S3ObjectStore;
import io.hlsfleet.storage.s3.S3Settings;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.testing.FaultyFront;
import io.hlsfleet.testing.TinyLadder;
import io.hlsfleet.testing.S3ServerExtension;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.worker.JobListener;
import io.hlsfleet.worker.RetryPolicy;
import io.hlsfleet.worker.StageWorker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A cancel reaches a running upload on each broker: a republish of a video uploading its new
 * generation to a slow S3 store (S3Proxy behind a front passing 16 KiB/s per connection) is cancelled
 * once part of the generation is in the bucket. The upload stops between files within seconds, the
 * objects it wrote are removed, the master and the generation it names stay as they were, the
 * staged ladder is gone, and the job ends cancelled, acked, with nothing dead-lettered.
 */
class UploadCancelIT {

    private static final String VHOST = "hlsfleet-upload-cancel";
    private static final RetryPolicy POLICY = new RetryPolicy(List.of(Duration.ofSeconds(1)), 2, 5);
    private static final int SEGMENTS = 8;
    private static final int SEGMENT_BYTES = 32 * 1024;

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current("cdn");

    @TempDir
    Path tmp;

    private final Intake intake = new Intake("upload cancel test".getBytes(StandardCharsets.UTF_8), false);

    @AfterAll
    static void deleteVhost() {
        Brokers.deleteRabbitVhost(VHOST);
    }

    private static Transport connect(String broker) {
        return Brokers.isolatedTransport(broker, VHOST, Duration.ofSeconds(2));
    }

    /** The store's settings with its requests going through {@code front}. */
    private S3Settings through(FaultyFront front) {
        S3Settings base = S3.server().settings(tmp.resolve("s3-scratch"));
        return new S3Settings(true, 4, base.multipartThreshold(), base.partSize(), 1, 3, null, base.scratchRoot(),
                front.endpoint(), base.region(), base.credentials(), base.integrity());
    }

    /** A ladder of two rungs with {@value #SEGMENTS} segments of {@value #SEGMENT_BYTES} bytes each. */
    private Path ladder(Path dir) throws Exception {
        for (String rung : List.of("360p", "720p")) {
            Files.createDirectories(dir.resolve(rung));
            Files.writeString(dir.resolve(rung + "/index.m3u8"), "#EXTM3U\n#" + rung + "\n");
            for (int i = 0; i < SEGMENTS; i++) {
                Files.write(dir.resolve(rung + "/seg_0000" + i + ".ts"), new byte[SEGMENT_BYTES]);
            }
        }
        Files.writeString(dir.resolve("master.m3u8"), "#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
        return dir;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void aCancelStopsARunningUploadAndRemovesWhatItWroteOfItsGeneration(String broker) throws Exception {
        String prefix = "s3://cdn/" + UUID.randomUUID();
        LocalStagingArea staging = new LocalStagingArea(Files.createDirectories(tmp.resolve("staging")));
        List<String> outcomes = new CopyOnWriteArrayList<>();
        JobListener outcome = new JobListener() {
            @Override
            public void succeeded(Stage stage, Job job, Stage nextStage) {
                outcomes.add("succeeded");
            }

            @Override
            public void cancelled(Stage stage, Job job, String reason) {
                outcomes.add("cancelled at " + stage.id() + ": " + reason);
            }
        };
        try (FaultyFront front = FaultyFront.throttled(S3.server().endpoint(), 16 * 1024);
             S3ObjectStore slowBucket = new S3ObjectStore(S3Location.parse(prefix), through(front));
             S3ObjectStore bucket = new S3ObjectStore(S3Location.parse(prefix), S3.server().settings(tmp.resolve("s3")));
             Transport transport = connect(broker);
             CancelRequests requests = new CancelRequests(Brokers.redisUrl());
             RedisJobStatusStore statuses = new RedisJobStatusStore(Brokers.redisUrl());
             UploadStage stage = new UploadStage(staging, slowBucket, 2)) {
            Job submitted = intake.seal(Job.submit("https://videos.example.org/upload-cancel.mp4", false));
            String videoId = submitted.videoId();
            // The video is published already; the job is its republish.
            Path published = TinyLadder.write(tmp.resolve("published"), 2);
            Files.writeString(published.resolve("master.m3u8"), "#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
            new LadderPublisher(bucket, 4).publish(videoId, "00000000000000a0", published,
                    Files.createDirectories(tmp.resolve("scratch")), LadderPublisher.BeforeSwitch.NOTHING);
            byte[] master = bucket.read(PublishedVideo.masterKey(videoId));
            String attempt = StagingKeys.newAttempt();
            String ladderKey = StagingKeys.ladder(submitted, attempt);
            staging.store(ladderKey, ladder(tmp.resolve("ladder")));
            Job job = submitted.advance(Stage.UPLOAD,
                    StageOutputs.NONE.withLadder(ladderKey, 2.0).withGeneration(attempt, null));
            String generation = LadderPublisher.generationFolder(videoId, attempt);

            StatusRecorder status = new StatusRecorder(statuses);
            // The outcome is heard first: once the status store shows the cancel, it has been recorded.
            try (StageWorker upload = new StageWorker(Stage.UPLOAD, stage, transport, POLICY,
                    JobListener.all(List.of(outcome, status)), new SimpleMeterRegistry(), intake)
                    .cancelledBy(requests.forWorker(staging)).start(1)) {
                status.queued(job);
                transport.publish(Stage.UPLOAD, job);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> bucket.list(generation).size() >= 2);
                int writtenWhenCancelled = bucket.list(generation).size();

                // What `hlsfleet cancel` does.
                assertThat(CancelRequests.refusal(statuses.find(job.jobId()))).isEmpty();
                assertThat(requests.request(job.jobId(), "cancelled with hlsfleet cancel")).isEmpty();
                long asked = System.nanoTime();
                await().atMost(Duration.ofSeconds(30)).until(() -> statuses.find(job.jobId())
                        .map(s -> s.state() == JobState.CANCELLED).orElse(false));
                Duration took = Duration.ofNanos(System.nanoTime() - asked);

                // 2 * SEGMENTS + 3 files of 512 KiB at 16 KiB/s on two connections: about 16 s whole.
                assertThat(writtenWhenCancelled).as("objects up when the cancel came").isLessThan(2 * SEGMENTS + 3);
                assertThat(took).as("from the request to the end of the job").isLessThan(Duration.ofSeconds(10));
                assertThat(outcomes).containsExactly("cancelled at upload: cancelled with hlsfleet cancel");
                assertThat(statuses.find(job.jobId()).orElseThrow().reason()).isEqualTo("cancelled with hlsfleet cancel");
                assertThat(bucket.list(generation)).as("what the upload wrote of its generation").isEmpty();
                assertThat(bucket.read(PublishedVideo.masterKey(videoId))).as("the published master").isEqualTo(master);
                assertThat(bucket.list(LadderPublisher.generationFolder(videoId, "00000000000000a0"))).hasSize(7);
                assertThat(staging.exists(ladderKey)).as("the staged ladder").isFalse();
                assertThat(transport.queueDepths()).containsEntry(Stage.UPLOAD, 0L);
                assertThat(transport.deadLetters(Stage.UPLOAD, 10)).isEmpty();
                // The job has ended: a second cancel is refused.
                assertThat(CancelRequests.refusal(statuses.find(job.jobId())))
                        .hasValueSatisfying(r -> assertThat(r).contains("already cancelled"));
            }
        }
    }
}
