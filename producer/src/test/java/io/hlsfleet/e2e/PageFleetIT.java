package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.VideoId;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.testing.LadderAssertions;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.ScriptedOrigin;
import io.hlsfleet.testing.VideoPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Page and feed URLs through the distributed fleet on each transport, queued by one
 * {@code hlsfleet submit --wait}: the download worker resolves each page with yt-dlp through its
 * guarded proxy and the ladders are published under the ids of the videos found, with their
 * titles (the same page pasted under a second URL is the same video); a feed of three clips ends expanded and its three videos are published as jobs of their
 * own, whose ids submit prints. Hostile pages and feeds end dead with their reasons (a refused
 * redirect, an entry on a refused address, a document type naming /etc/passwd, a feed longer than
 * the cap) while the refused listener (127.0.0.2, outside the allow-list) sees no connection.
 */
class PageFleetIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(FleetBroker.Kind.class)
    void pagesAndFeedsArePublishedAndHostileOnesAreRefused(FleetBroker.Kind kind) throws Exception {
        try (ScriptedOrigin refused = ScriptedOrigin.on("127.0.0.2");
                VideoPages pages = VideoPages.serve("127.0.0.1", Files.createDirectories(tmp.resolve("site")), refused);
                Fleet fleet = new Fleet(kind, tmp, "PageFleetIT")) {
            fleet.set("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.1/32");
            fleet.set("HLSFLEET_DOWNLOAD_MAX_ENTRIES", "3");
            // One at a time: three JVMs starting together on a busy machine can outlast the health wait.
            for (String worker : Fleet.WORKERS) {
                fleet.start(worker);
            }
            List<String> good = List.of(pages.url(VideoPages.VIDEO_TAG), pages.url(VideoPages.OPEN_GRAPH),
                    pages.url(VideoPages.JSON_LD), pages.url(VideoPages.HLS));
            String feed = pages.url(VideoPages.FEED);
            Map<String, String> hostile = Map.of(
                    pages.url("/redirect-to-refused.html"), "loopback",
                    pages.url(VideoPages.XXE_FEED), "document type",
                    pages.url(VideoPages.LONG_FEED), "HLSFLEET_DOWNLOAD_MAX_ENTRIES");
            String refusedFeed = pages.url(VideoPages.REFUSED_FEED);
            // The Open Graph page pasted again under another URL: the same video, one id.
            String again = pages.url(VideoPages.OPEN_GRAPH) + "?utm_source=mail";
            List<String> urls = new ArrayList<>(good);
            urls.add(again);
            urls.add(feed);
            urls.add(refusedFeed);
            urls.addAll(hostile.keySet());

            List<String> args = new ArrayList<>(List.of("submit", "--wait"));
            args.addAll(urls);
            Processes.Result submit = Cli.run(fleet.env(), args, null, Duration.ofMinutes(8));
            String report = "stdout:%n%s%nstderr:%n%s".formatted(submit.out(), submit.err());
            // Every URL's job id, then the job ids of the feeds' four videos as the feeds are read.
            List<String> printed = submit.out().lines().toList();
            assertThat(printed).as(report).hasSize(urls.size() + 4).doesNotHaveDuplicates();
            assertThat(submit.exitCode()).as(report).isEqualTo(1);
            assertThat(submit.err()).as(report).contains("8 published, 4 dead or cancelled");

            Map<String, JobStatus> byId = fleet.statuses().stream()
                    .collect(Collectors.toMap(JobStatus::jobId, Function.identity()));
            List<String> published = new ArrayList<>();
            for (String url : good) {
                JobStatus status = fleet.status(url).orElseThrow();
                assertThat(status.state()).as("%s: %s", url, status.reason()).isEqualTo(JobState.PUBLISHED);
                assertThat(status.title()).as(url).isNotBlank();
                assertThat(status.videoId()).as(url).isNotEqualTo(VideoId.fromSource(url));
                published.add(status.videoId());
            }
            assertThat(fleet.status(pages.url(VideoPages.JSON_LD)).orElseThrow().title()).isEqualTo("JSON-LD clip");
            JobStatus pastedAgain = byId.get(printed.get(urls.indexOf(again)));
            assertThat(pastedAgain.state()).isEqualTo(JobState.PUBLISHED);
            assertThat(pastedAgain.videoId()).isEqualTo(fleet.status(pages.url(VideoPages.OPEN_GRAPH)).orElseThrow()
                    .videoId());

            JobStatus list = fleet.status(feed).orElseThrow();
            assertThat(list.state()).isEqualTo(JobState.EXPANDED);
            assertThat(list.children()).hasSize(3).allMatch(printed::contains);
            for (String childId : list.children()) {
                JobStatus child = byId.get(childId);
                assertThat(child.state()).as("%s: %s", childId, child.reason()).isEqualTo(JobState.PUBLISHED);
                assertThat(child.parentJobId()).isEqualTo(list.jobId());
                published.add(child.videoId());
            }
            assertThat(published).hasSize(7).doesNotHaveDuplicates();
            for (String videoId : published) {
                LadderAssertions.assertLadder(fleet.bucket(), videoId, pages.clip(), List.of(360));
            }

            JobStatus refusedList = fleet.status(refusedFeed).orElseThrow();
            assertThat(refusedList.state()).isEqualTo(JobState.EXPANDED);
            JobStatus refusedEntry = byId.get(refusedList.children().getFirst());
            assertThat(refusedEntry.state()).isEqualTo(JobState.DEAD);
            assertThat(refusedEntry.reason()).contains("refused").contains("loopback");
            for (Map.Entry<String, String> page : hostile.entrySet()) {
                JobStatus dead = fleet.status(page.getKey()).orElseThrow();
                assertThat(dead.state()).as(page.getKey()).isEqualTo(JobState.DEAD);
                assertThat(dead.reason()).as(page.getKey()).contains(page.getValue()).doesNotContain("root:");
            }
            assertThat(refused.accepted()).isZero();
        }
    }
}
