package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Rendition;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a video site integrating the fleet relies on, on each transport: a subscriber of the job
 * events hears the good video's {@code published} event, with its master URL and renditions, only
 * once the master playlist exists, and the poison job's {@code dead} event with its reason; the
 * {@code hlsfleet events} command shows the same events. A job cancelled mid-encode has its ffmpeg
 * stopped within 5 s on the worker that runs it and ends cancelled (status, event, no staged
 * files); a published job cannot be cancelled, and {@code hlsfleet unpublish} of it removes the video
 * from the bucket, marks the job unpublished and tells subscribers.
 */
class SiteIntegrationIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(FleetBroker.Kind.class)
    void aSubscriberHearsPublishedAfterTheMasterExistsAndDeadWithItsReason(FleetBroker.Kind kind) throws Exception {
        try (Fleet fleet = new Fleet(kind, tmp, "SiteIntegrationIT")) {
            SyntheticClip.generate(fleet.clips(), "good.mp4", 1280, 720, 4);
            // Long enough that its encode is still running when the test cancels it.
            SyntheticClip.generate(fleet.clips(), "long.mp4", 1280, 720, 90);
            for (String worker : Fleet.WORKERS) {
                fleet.start(worker);
            }
            List<JobEvent> events = new CopyOnWriteArrayList<>();
            // Whether the master playlist existed at the moment each published event arrived.
            Map<String, Boolean> masterExistedOnArrival = new ConcurrentHashMap<>();
            String good = fleet.origin().url("good.mp4");
            String poison = fleet.origin().url("missing.mp4");
            CompletableFuture<Processes.Result> cli = CompletableFuture.supplyAsync(() -> {
                try {
                    return Cli.run(fleet.env(), List.of("events", "--json", "--filter", "published.*", "--count", "1"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (EventBus.Feed feed = fleet.transport().events().follow("#", event -> {
                if (event.type() == JobEvent.Type.PUBLISHED) {
                    masterExistedOnArrival.put(event.jobId(),
                            Files.exists(fleet.bucket().resolve(event.published().masterKey())));
                }
                events.add(event);
            })) {
                List<String> ids = fleet.submit(List.of(good, poison));
                String goodId = ids.get(0);
                String poisonId = ids.get(1);
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).until(() ->
                        events.stream().anyMatch(e -> e.jobId().equals(goodId) && e.type() == JobEvent.Type.PUBLISHED)
                                && events.stream().anyMatch(e -> e.jobId().equals(poisonId)
                                        && e.type() == JobEvent.Type.DEAD));

                JobEvent published = only(events, goodId, JobEvent.Type.PUBLISHED);
                assertThat(masterExistedOnArrival).containsEntry(goodId, true);
                assertThat(published.version()).isEqualTo(JobEvent.VERSION);
                assertThat(published.routingKey()).isEqualTo("published.upload");
                assertThat(published.source()).isEqualTo(good);
                JobEvent.Published what = published.published();
                assertThat(what.masterKey()).isEqualTo(published.videoId() + "/master.m3u8");
                assertThat(what.masterUrl()).startsWith("file:").endsWith("/" + published.videoId() + "/master.m3u8");
                assertThat(what.durationSeconds()).isBetween(3.5, 4.5);
                assertThat(what.renditions()).extracting(Rendition::resolution).containsExactly("640x360", "1280x720");
                assertThat(what.renditions()).allSatisfy(r -> {
                    assertThat(r.codecs()).startsWith("avc1.").contains("mp4a.40.2");
                    assertThat(r.bandwidth()).isPositive();
                });
                // Every path is relative to the master, inside the generation's folder it names.
                assertThat(what.generation()).isNotBlank();
                assertThat(what.poster()).isEqualTo(what.generation() + "/poster.jpg");
                assertThat(what.storyboard()).isEqualTo(what.generation() + "/storyboard/thumbnails.vtt");
                assertThat(what.renditions()).allSatisfy(r -> assertThat(r.playlist()).startsWith(what.generation() + "/"));
                assertThat(fleet.bucket().resolve(published.videoId()).resolve(what.poster())).isRegularFile();
                String master = Files.readString(fleet.bucket().resolve(what.masterKey()));
                what.renditions().forEach(r -> assertThat(master).contains("RESOLUTION=" + r.resolution())
                        .contains("BANDWIDTH=" + r.bandwidth()).contains(r.playlist()));

                assertThat(types(events, goodId)).startsWith(JobEvent.Type.QUEUED, JobEvent.Type.STARTED)
                        .endsWith(JobEvent.Type.PUBLISHED)
                        .containsSubsequence(JobEvent.Type.STARTED, JobEvent.Type.STARTED, JobEvent.Type.STARTED,
                                JobEvent.Type.PUBLISHED);
                assertThat(events.stream().filter(e -> e.jobId().equals(goodId) && e.type() == JobEvent.Type.STARTED)
                        .map(JobEvent::stage)).containsExactly("download", "encode", "upload");

                JobEvent dead = only(events, poisonId, JobEvent.Type.DEAD);
                assertThat(dead.routingKey()).isEqualTo("dead.download");
                assertThat(dead.reason()).contains("404");
            }
            Processes.Result shown = cli.get();
            assertThat(shown.exitCode()).as(shown.err()).isZero();
            JobEvent fromCli = JobCodec.fromJson(shown.out().strip(), JobEvent.class);
            assertThat(fromCli.type()).isEqualTo(JobEvent.Type.PUBLISHED);
            assertThat(fromCli.published().renditions()).hasSize(2);

            JobEvent published = events.stream().filter(e -> e.type() == JobEvent.Type.PUBLISHED).findFirst()
                    .orElseThrow();
            cancelMidEncode(fleet, events);
            unpublish(fleet, fleet.origin().url("good.mp4"), published);
        }
    }

    private void unpublish(Fleet fleet, String url, JobEvent published) throws Exception {
        String videoId = published.videoId();
        List<JobEvent> heard = new CopyOnWriteArrayList<>();
        try (EventBus.Feed feed = fleet.transport().events().follow("unpublished.*", heard::add)) {
            Processes.Result dry = Cli.run(fleet.env(), List.of("unpublish", "--dry-run", published.jobId()));
            assertThat(dry.exitCode()).as(dry.err()).isZero();
            assertThat(dry.out().lines().toList()).first().isEqualTo(videoId + "/master.m3u8");
            assertThat(fleet.bucket().resolve(videoId).resolve("master.m3u8")).as("after a dry run").isRegularFile();

            assertThat(fleet.cli("unpublish", published.jobId()))
                    .contains(videoId + "  unpublished: removed master.m3u8, ")
                    .contains("generation " + published.published().generation());
            assertThat(fleet.bucket().resolve(videoId)).doesNotExist();
            JobStatus status = fleet.awaitStatus(url, s -> s.state() == JobState.UNPUBLISHED, Duration.ofSeconds(30));
            assertThat(status.generation()).isEqualTo(published.published().generation());
            await().atMost(Duration.ofSeconds(30)).until(() -> !heard.isEmpty());
            assertThat(heard).singleElement().satisfies(e -> {
                assertThat(e.routingKey()).isEqualTo("unpublished.bucket");
                assertThat(e.jobId()).isEqualTo(published.jobId());
                assertThat(e.published().masterUrl()).isEqualTo(published.published().masterUrl());
                assertThat(e.published().generation()).isEqualTo(published.published().generation());
            });

            Processes.Result again = Cli.run(fleet.env(), List.of("unpublish", videoId));
            assertThat(again.exitCode()).isEqualTo(1);
            assertThat(again.err()).contains("not unpublished " + videoId + ": " + videoId + " is not published");
        }
    }

    private void cancelMidEncode(Fleet fleet, List<JobEvent> events) throws Exception {
        String published = events.stream().filter(e -> e.type() == JobEvent.Type.PUBLISHED).findFirst()
                .orElseThrow().jobId();
        Processes.Result refused = Cli.run(fleet.env(), List.of("cancel", published));
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("already published").contains("'hlsfleet unpublish ");

        String url = fleet.origin().url("long.mp4");
        events.clear();
        try (EventBus.Feed feed = fleet.transport().events().follow("cancelled.*", events::add)) {
            String jobId = fleet.submit(List.of(url)).getFirst();
            fleet.awaitStatus(url, s -> s.state() == JobState.ENCODING && s.percent() > 0, Duration.ofMinutes(4));
            FfmpegProcesses.awaitRunning(jobId, Duration.ofSeconds(30));

            assertThat(fleet.cli("cancel", jobId)).contains(jobId + "  cancel requested (was encoding)");
            long cancelledAt = System.nanoTime();
            List<String> left = FfmpegProcesses.awaitGone(jobId, Duration.ofSeconds(5));
            long stoppedMillis = (System.nanoTime() - cancelledAt) / 1_000_000;
            assertThat(left).as("ffmpeg of the cancelled job still running 5 s after the cancel").isEmpty();
            System.out.printf("%s: cancelled encode's ffmpeg gone %d ms after hlsfleet cancel returned%n",
                    fleet.kind(), stoppedMillis);

            JobStatus status = fleet.awaitStatus(url, s -> s.state().finished(), Duration.ofMinutes(1));
            assertThat(status.state()).isEqualTo(JobState.CANCELLED);
            assertThat(status.reason()).contains("hlsfleet cancel");
            await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.jobId()).isEqualTo(jobId);
                assertThat(e.routingKey()).isEqualTo("cancelled.encode");
            });
            assertThat(fleet.staging().resolve("jobs").resolve(jobId)).doesNotExist();
            assertThat(fleet.bucket().resolve(status.videoId())).doesNotExist();
            assertThat(fleet.transport().deadLetters(io.hlsfleet.job.Stage.ENCODE, 10)).isEmpty();
        }
    }

    private static List<JobEvent.Type> types(List<JobEvent> events, String jobId) {
        return events.stream().filter(e -> e.jobId().equals(jobId)).map(JobEvent::type).toList();
    }

    private static JobEvent only(List<JobEvent> events, String jobId, JobEvent.Type type) {
        List<JobEvent> matching = events.stream().filter(e -> e.jobId().equals(jobId) && e.type() == type).toList();
        assertThat(matching).as("%s events of job %s", type, jobId).hasSize(1);
        return matching.getFirst();
    }
}
