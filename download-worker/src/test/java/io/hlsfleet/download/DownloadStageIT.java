package io.hlsfleet.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.testing.ScriptedOrigin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole stage over http on loopback: source in, staged file out, or nothing staged at all. */
class DownloadStageIT {

    @TempDir
    Path dir;

    private final byte[] video = Fixtures.video(96 * 1024, 11);
    private LocalStagingArea staging;
    private ScriptedOrigin origin;

    @BeforeEach
    void start() throws IOException {
        staging = new LocalStagingArea(dir.resolve("staging"));
        origin = ScriptedOrigin.on("127.0.0.1")
                .route("/v.mp4", (r, out) -> ScriptedOrigin.respond(out, 200, Map.of(), video))
                .route("/page", (r, out) -> ScriptedOrigin.respond(out, 200, Map.of(),
                        "<html><body>Sign in</body></html>".getBytes(StandardCharsets.UTF_8)));
    }

    @AfterEach
    void stop() throws IOException {
        origin.close();
    }

    private DownloadStage stage(String allowed) {
        DownloadSettings settings = Fixtures.settings("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", allowed,
                DownloadProperties.YTDLP, "off");
        return new DownloadStage(staging, settings, HostResolver.SYSTEM, new DownloadMetrics(new SimpleMeterRegistry()),
                () -> {
                    throw new IllegalStateException("no s3 in this test");
                });
    }

    private byte[] staged(String key) throws IOException {
        Path scratch = staging.newScratch("check");
        return Files.readAllBytes(staging.fetch(key, scratch));
    }

    @Test
    void stagesAnHttpSource() throws Exception {
        Job job = Job.submit(origin.url("/v.mp4"), false);
        try (DownloadStage stage = stage("127.0.0.0/8")) {
            StageOutputs outputs = stage.process(job, new Fixtures.RecordingContext());
            assertThat(outputs.sourceBytes()).isEqualTo(video.length);
            assertThat(outputs.source()).startsWith(StagingKeys.jobPrefix(job) + "/source-");
            assertThat(staged(outputs.source())).isEqualTo(video);
        }
    }

    @Test
    void stagesNothingWhenTheSourceIsRefused() throws Exception {
        Job page = Job.submit(origin.url("/page"), false);
        Job local = Job.submit(origin.url("/v.mp4"), false);
        try (DownloadStage open = stage("127.0.0.0/8"); DownloadStage closed = stage("")) {
            Throwable html = catchThrowable(() -> open.process(page, new Fixtures.RecordingContext()));
            assertThat(html).isInstanceOf(JobFailure.class).hasMessageContaining("HTML")
                    .hasMessageContaining("page resolution is off");
            Throwable refused = catchThrowable(() -> closed.process(local, new Fixtures.RecordingContext()));
            assertThat(refused).isInstanceOf(JobFailure.class).hasMessageContaining("--allow-network");
            assertThat(((JobFailure) refused).retryable()).isFalse();
        }
        assertThat(staging.root().resolve(StagingKeys.jobPrefix(page))).as("staged for a refused page").doesNotExist();
        assertThat(staging.root().resolve(StagingKeys.jobPrefix(local))).as("staged for a refused source").doesNotExist();
        assertThat(origin.requests()).hasSize(1);
    }
}
