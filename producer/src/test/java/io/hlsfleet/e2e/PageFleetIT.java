package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.VideoId;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.ScriptedOrigin;
import io.hlsfleet.testing.VideoPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Page URLs through the distributed fleet on each transport: the download worker resolves each
 * page with yt-dlp through its guarded proxy, the ladders are published under the ids of the
 * videos found, the status shows their titles, and a hostile page is dead with its reason while
 * its refused listener (127.0.0.2, outside the allow-list) sees no connection.
 */
class PageFleetIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(FleetBroker.Kind.class)
    void pagesArePublishedAndAHostilePageIsRefused(FleetBroker.Kind kind) throws Exception {
        try (ScriptedOrigin refused = ScriptedOrigin.on("127.0.0.2");
                VideoPages pages = VideoPages.serve("127.0.0.1", Files.createDirectories(tmp.resolve("site")), refused);
                Fleet fleet = new Fleet(kind, tmp, "PageFleetIT")) {
            fleet.set("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.1/32");
            // One at a time: three JVMs starting together on a busy machine can outlast the health wait.
            for (String worker : Fleet.WORKERS) {
                fleet.start(worker);
            }
            List<String> good = List.of(pages.url(VideoPages.VIDEO_TAG), pages.url(VideoPages.OPEN_GRAPH),
                    pages.url(VideoPages.JSON_LD), pages.url(VideoPages.HLS));
            String hostile = pages.url("/redirect-to-refused.html");
            List<String> urls = new ArrayList<>(good);
            urls.add(hostile);
            assertThat(fleet.submit(urls)).hasSize(5);

            List<String> published = new ArrayList<>();
            for (String url : good) {
                JobStatus status = fleet.awaitStatus(url, s -> s.state().finished(), Duration.ofMinutes(4));
                assertThat(status.state()).as("%s: %s", url, status.reason()).isEqualTo(JobState.PUBLISHED);
                assertThat(status.title()).as(url).isNotBlank();
                assertThat(status.videoId()).as(url).isNotEqualTo(VideoId.fromSource(url));
                LadderAssertions.assertLadder(fleet.bucket(), status.videoId(), pages.clip(), List.of(360));
                published.add(status.videoId());
            }
            assertThat(published).doesNotHaveDuplicates();
            assertThat(fleet.status(pages.url(VideoPages.JSON_LD)).orElseThrow().title()).isEqualTo("JSON-LD clip");

            JobStatus dead = fleet.awaitStatus(hostile, s -> s.state().finished(), Duration.ofMinutes(2));
            assertThat(dead.state()).isEqualTo(JobState.DEAD);
            assertThat(dead.reason()).contains("refused").contains("loopback");
            assertThat(refused.accepted()).isZero();
        }
    }
}
