package io.hlsfleet.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.testing.S3Server;
import io.hlsfleet.testing.S3ServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** {@code s3://} sources through the AWS SDK, against an S3Proxy on loopback. */
class S3DownloadIT {

    @RegisterExtension
    static final S3ServerExtension S3 = S3ServerExtension.current();

    @TempDir
    Path dir;

    private final byte[] video = Fixtures.video(96 * 1024, 11);

    /** Path-style, with the endpoint and credentials that AWS_ENDPOINT_URL_S3 and friends would give. */
    private Supplier<S3Client> s3() {
        return () -> S3Client.builder()
                .endpointOverride(S3.server().endpoint())
                .region(S3Server.REGION)
                .credentialsProvider(S3Server.credentials())
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    @Test
    void stagesAnS3Source() throws Exception {
        try (S3Client client = s3().get()) {
            S3.server().createBucket("sources");
            client.putObject(b -> b.bucket("sources").key("clips/a clip.mp4"), RequestBody.fromBytes(video));
        }
        Job job = Job.submit("s3://sources/clips/a%20clip.mp4", false);
        Job missing = Job.submit("s3://sources/clips/none.mp4", false);
        LocalStagingArea staging = new LocalStagingArea(dir.resolve("staging"));
        String sourceKey;
        try (DownloadStage stage = new DownloadStage(staging,
                Fixtures.settings(DownloadSettings.S3_BUCKETS, "sources"), HostResolver.SYSTEM,
                new DownloadMetrics(new SimpleMeterRegistry()), s3())) {
            StageOutputs outputs = stage.process(job, new Fixtures.RecordingContext());
            assertThat(outputs.sourceBytes()).isEqualTo(video.length);
            sourceKey = outputs.source();
            Throwable absent = catchThrowable(() -> stage.process(missing, new Fixtures.RecordingContext()));
            assertThat(absent).isInstanceOf(JobFailure.class).hasMessageContaining("no object");
            assertThat(((JobFailure) absent).retryable()).isFalse();
        }
        Path stored = staging.fetch(sourceKey, staging.newScratch("check"));
        assertThat(Files.readAllBytes(stored)).isEqualTo(video);
    }

    @Test
    void readsOnlyTheSourceBucketsTheOperatorListsAndNeverTheStagingBucket() throws Exception {
        try (S3Client client = s3().get()) {
            for (String bucket : List.of("sources", "private", "staging")) {
                S3.server().createBucket(bucket);
                client.putObject(b -> b.bucket(bucket).key("a.mp4"), RequestBody.fromBytes(video));
            }
        }
        DownloadSettings settings = Fixtures.settings(DownloadSettings.S3_BUCKETS, "sources",
                "HLSFLEET_STAGING", "s3://staging/work");
        LocalStagingArea staging = new LocalStagingArea(dir.resolve("staging"));
        try (DownloadStage stage = new DownloadStage(staging, settings, HostResolver.SYSTEM,
                new DownloadMetrics(new SimpleMeterRegistry()), s3())) {
            assertThat(stage.process(Job.submit("s3://sources/a.mp4", false), new Fixtures.RecordingContext())
                    .sourceBytes()).isEqualTo(video.length);
            Throwable outside = catchThrowable(() ->
                    stage.process(Job.submit("s3://private/a.mp4", false), new Fixtures.RecordingContext()));
            assertThat(outside).isInstanceOf(JobFailure.class)
                    .hasMessage("s3://private is not a source bucket; the operator lists those in"
                            + " HLSFLEET_DOWNLOAD_S3_BUCKETS (sources)");
            assertThat(((JobFailure) outside).retryable()).isFalse();
            Throwable staged = catchThrowable(() ->
                    stage.process(Job.submit("s3://staging/a.mp4", false), new Fixtures.RecordingContext()));
            assertThat(staged).isInstanceOf(JobFailure.class).hasMessageContaining("staging bucket");
        }
        assertThatThrownBy(() -> Fixtures.settings(DownloadSettings.S3_BUCKETS, "sources,staging",
                "HLSFLEET_STAGING", "s3://staging/work"))
                .hasMessageContaining("names the staging bucket 'staging'");
    }
}
