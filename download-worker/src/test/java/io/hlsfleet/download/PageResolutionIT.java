package io.hlsfleet.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.ListEntry;
import io.hlsfleet.job.SourcePage;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.testing.ScriptedOrigin;
import io.hlsfleet.testing.VideoPages;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Page URLs resolved by the real yt-dlp through the egress proxy: the video on each kind of page
 * is staged with what the page says about it, and every hostile page is refused with a reason
 * while the refused listener (127.0.0.2, outside the allow-list) sees no connection.
 */
class PageResolutionIT {

    @TempDir
    static Path dir;

    private static ScriptedOrigin refused;
    private static VideoPages pages;
    private static LocalStagingArea staging;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        assumeTrue(PageResolver.program("yt-dlp") != null,
                "yt-dlp is not installed");
        refused = ScriptedOrigin.on("127.0.0.2")
                .route("/clip.mp4", (r, out) -> ScriptedOrigin.respond(out, 200, Map.of(), Fixtures.video(4096, 1)))
                .route("/s0.ts", (r, out) -> ScriptedOrigin.respond(out, 200, Map.of(), Fixtures.video(4096, 2)));
        pages = VideoPages.serve("127.0.0.1", Files.createDirectories(dir.resolve("site")), refused);
        staging = new LocalStagingArea(dir.resolve("staging"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (pages != null) {
            pages.close();
            refused.close();
        }
    }

    private static DownloadStage stage(String... overrides) {
        return stage(new SimpleMeterRegistry(), overrides);
    }

    private static DownloadStage stage(SimpleMeterRegistry registry, String... overrides) {
        String[] all = new String[overrides.length + 4];
        all[0] = DownloadSettings.ALLOWED_NETWORKS;
        all[1] = "127.0.0.1/32";
        System.arraycopy(overrides, 0, all, 4, overrides.length);
        return new DownloadStage(staging, Fixtures.settings(all), HostResolver.SYSTEM,
                new DownloadMetrics(registry), () -> {
                    throw new IllegalStateException("no s3 in this test");
                });
    }

    private static StageOutputs resolve(String page) throws Exception {
        try (DownloadStage stage = stage()) {
            return stage.process(Job.submit(pages.url(page), false), new Fixtures.RecordingContext());
        }
    }

    /** The staged source starts like an MP4 or MPEG-TS file, not like a page. */
    private static void assertStagedVideo(StageOutputs outputs) throws IOException {
        Path copy = staging.fetch(outputs.source(), staging.newScratch("check"));
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(copy), 512);
        assertThat(BodySink.textKind(head, head.length)).isNull();
        assertThat(Files.size(copy)).isEqualTo(outputs.sourceBytes()).isGreaterThan(10_000);
    }

    @Test
    void resolvesTheVideoTagOfAPage() throws Exception {
        StageOutputs outputs = resolve(VideoPages.VIDEO_TAG);
        assertStagedVideo(outputs);
        assertThat(outputs.page().extractor()).isNotBlank();
        assertThat(outputs.page().title()).isNotBlank();
    }

    @Test
    void resolvesJsonLdWithTitleDurationUploaderAndThumbnail() throws Exception {
        StageOutputs outputs = resolve(VideoPages.JSON_LD);
        assertStagedVideo(outputs);
        SourcePage page = outputs.page();
        assertThat(page.title()).isEqualTo("JSON-LD clip");
        assertThat(page.durationSeconds()).isEqualTo(2.0);
        assertThat(page.uploader()).isEqualTo("Test Uploader");
        assertThat(page.thumbnail()).endsWith("/thumb.jpg");
    }

    @Test
    void resolvesAnHlsStreamWithYtDlpsOwnDownloader() throws Exception {
        StageOutputs outputs = resolve(VideoPages.HLS);
        assertStagedVideo(outputs);
        assertThat(pages.origin().requests()).anyMatch(r -> r.target().startsWith("/hls/s"));
    }

    @Test
    void resolvesOpenGraphAndTakesTheVideoIdFromThePageNotFromTheUrl() throws Exception {
        String url = pages.url(VideoPages.OPEN_GRAPH);
        try (DownloadStage stage = stage()) {
            Job first = Job.submit(url, false);
            Job second = Job.submit(url + "?utm_source=mail", false);
            StageOutputs a = stage.process(first, new Fixtures.RecordingContext());
            StageOutputs b = stage.process(second, new Fixtures.RecordingContext());
            assertStagedVideo(a);
            assertThat(a.page().title()).isEqualTo("Open Graph clip");
            assertThat(first.videoId()).isNotEqualTo(second.videoId());
            assertThat(first.advance(Stage.ENCODE, a).videoId()).isEqualTo(second.advance(Stage.ENCODE, b).videoId())
                    .isEqualTo(a.page().videoId());
        }
    }

    @Test
    void refusesEveryHostilePageWithAReasonAndNoConnection() throws Exception {
        try (DownloadStage stage = stage()) {
            for (Map.Entry<String, String> hostile : VideoPages.HOSTILE.entrySet()) {
                Job job = Job.submit(pages.url(hostile.getKey()), false);
                Throwable thrown = catchThrowable(() -> stage.process(job, new Fixtures.RecordingContext()));
                assertThat(thrown).as(hostile.getKey()).isInstanceOf(JobFailure.class)
                        .hasMessageContaining(hostile.getValue());
                assertThat(((JobFailure) thrown).retryable()).as(hostile.getKey()).isFalse();
                assertThat(staging.exists(StagingKeys.jobPrefix(job))).as(hostile.getKey() + " staged nothing")
                        .isFalse();
            }
        }
        assertThat(refused.accepted()).isZero();
    }

    @Test
    void aFeedListsItsVideosWithoutDownloadingThemAndCountsTheList() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DownloadStage stage = stage(registry)) {
            for (String feed : List.of(VideoPages.FEED, VideoPages.ATOM_FEED)) {
                StageOutputs listed = stage.process(Job.submit(pages.url(feed), false), new Fixtures.RecordingContext());
                assertThat(listed.source()).as(feed).isNull();
                assertThat(listed.entries()).as(feed).extracting(ListEntry::title)
                        .containsExactly("First", "Second", "Third");
                assertThat(listed.entries()).as(feed).extracting(ListEntry::url).allMatch(url -> url.startsWith(
                        pages.url("/clip.mp4?"))).doesNotHaveDuplicates();
            }
        }
        // Listed, never downloaded entry by entry.
        assertThat(pages.origin().requests()).noneMatch(r -> r.target().matches("/clip.mp4\\?[na]=.*"));
        assertThat(registry.get("hlsfleet.download.pages").tag("outcome", "list").timer().count()).isEqualTo(2);
    }

    @Test
    void aPageOfSeveralVideosIsListedByYtDlp() throws Exception {
        StageOutputs listed = resolve(VideoPages.TWO_VIDEOS);
        assertThat(listed.entries()).extracting(ListEntry::url)
                .containsExactly(pages.url("/clip.mp4?v=1"), pages.url("/clip.mp4?v=2"));
        assertThat(listed.source()).isNull();
        assertThat(pages.origin().requests()).noneMatch(r -> r.target().startsWith("/clip.mp4?v="));
    }

    @Test
    void aListLongerThanTheCapIsRefusedWithTheSetting() throws Exception {
        try (DownloadStage stage = stage(DownloadProperties.MAX_ENTRIES, "3")) {
            assertThat(stage.process(Job.submit(pages.url(VideoPages.FEED), false), new Fixtures.RecordingContext())
                    .entries()).hasSize(3);
            Throwable tooLong = catchThrowable(() -> stage.process(Job.submit(pages.url(VideoPages.LONG_FEED), false),
                    new Fixtures.RecordingContext()));
            assertThat(tooLong).isInstanceOf(JobFailure.class).hasMessageContaining("more than 3 videos");
            assertThat(((JobFailure) tooLong).retryable()).isFalse();
        }
        try (DownloadStage stage = stage(DownloadProperties.MAX_ENTRIES, "1")) {
            Throwable thrown = catchThrowable(() -> stage.process(Job.submit(pages.url(VideoPages.TWO_VIDEOS), false),
                    new Fixtures.RecordingContext()));
            assertThat(thrown).isInstanceOf(JobFailure.class).hasMessageContaining("more than 1 videos")
                    .hasMessageContaining(DownloadProperties.MAX_ENTRIES);
        }
    }

    @Test
    void anEntryOfAListIsNeitherAListNorALocalFile() throws Exception {
        Job feed = Job.submit(pages.url(VideoPages.FEED), false);
        Job nested = feed.listed(new ListEntry(pages.url(VideoPages.ATOM_FEED), null, null));
        Job local = feed.listed(new ListEntry(dir.resolve("site/clip.mp4").toString(), null, null));
        DownloadSettings fleet = Fixtures.settings(DownloadSettings.ALLOWED_NETWORKS, "127.0.0.1/32");
        // As hlsfleet run has them: local paths allowed, but never for an entry of a list.
        DownloadSettings run = new DownloadSettings(fleet.download(), fleet.allowedNetworks(), fleet.s3(), true,
                fleet.encodeHeight(), fleet.stagingBucket());
        try (DownloadStage stage = new DownloadStage(staging, run, HostResolver.SYSTEM, DownloadMetrics.detached(),
                () -> null)) {
            assertThat(catchThrowable(() -> stage.process(nested, new Fixtures.RecordingContext())))
                    .isInstanceOf(JobFailure.class).hasMessageContaining("lists inside lists are not expanded");
            assertThat(catchThrowable(() -> stage.process(local, new Fixtures.RecordingContext())))
                    .isInstanceOf(JobFailure.class).hasMessageContaining("never read from a local path");
        }
    }

    @Test
    void aFeedWithADocumentTypeIsRefusedAndItsEntitiesReachNothing() throws Exception {
        try (DownloadStage stage = stage()) {
            Throwable thrown = catchThrowable(() -> stage.process(Job.submit(pages.url(VideoPages.XXE_FEED), false),
                    new Fixtures.RecordingContext()));
            assertThat(thrown).isInstanceOf(JobFailure.class).hasMessageContaining("document type")
                    .hasMessageNotContaining("root:");
        }
        assertThat(refused.accepted()).isZero();
    }

    @Test
    void listedSitesGoToYtDlpAtOnceAndAnAbsentYtDlpIsExplained() throws Exception {
        Job job = Job.submit(pages.url(VideoPages.OPEN_GRAPH), false);
        int before = pages.origin().requests().size();
        try (DownloadStage listed = stage(DownloadProperties.PAGE_SITES, "127.0.0.1")) {
            assertThat(listed.process(job, new Fixtures.RecordingContext()).page()).isNotNull();
        }
        // No plain download first: every request since came from yt-dlp, none from the stage's own client.
        assertThat(pages.origin().requests().subList(before, pages.origin().requests().size()))
                .isNotEmpty()
                .noneMatch(r -> "hlsfleet-download".equals(r.header("user-agent")));
        try (DownloadStage missing = stage(DownloadProperties.YTDLP, "/nonexistent/yt-dlp")) {
            assertThat(catchThrowable(() -> missing.process(job, new Fixtures.RecordingContext())))
                    .isInstanceOf(JobFailure.class).hasMessageContaining("HTML page")
                    .hasMessageContaining("was not found");
        }
    }
}
