package io.hlsfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.RedisJobStatusStore;
import io.hlsfleet.storage.LocalObjectStore;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.testing.TinyLadder;
import io.hlsfleet.transport.redis.RedisTransport;
import io.hlsfleet.upload.LadderPublisher;
import io.hlsfleet.upload.Unpublisher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hlsfleet unpublish} on a directory bucket, the status store in Redis and the event stream
 * of a Redis broker: a video named by the job that published it is removed, the job then says
 * {@code unpublished}, an {@code unpublished} event names it, and the same video, an unknown one
 * and a dry run are answered as documented.
 */
class UnpublishCommandIT {

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private UnpublishCommand.Run run(Unpublisher unpublisher, RedisJobStatusStore statuses, EventBus bus,
            boolean dryRun) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return new UnpublishCommand.Run(unpublisher, "file:///srv/cdn/", statuses, () -> bus,
                "https://cdn.example.org/hls", dryRun, false, new PrintWriter(out), new PrintWriter(err));
    }

    private static JobStatus status(String jobId, String videoId, JobState state, String generation) {
        return new JobStatus(jobId, videoId, "https://example.org/talk.mp4", state, state == JobState.PUBLISHED ? 100 : 0,
                "", 1, null, Instant.now(), Instant.now(), null, null, generation);
    }

    @Test
    void aPublishedVideoIsRemovedItsJobMarkedAndAnEventSent() throws Exception {
        String videoId = "talk-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = UUID.randomUUID().toString();
        String laterJobId = UUID.randomUUID().toString();
        LocalObjectStore bucket = new LocalObjectStore(tmp.resolve("bucket"));
        Path ladder = TinyLadder.write(tmp.resolve("ladder"), 2);
        Files.writeString(ladder.resolve("master.m3u8"), "#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n");
        new LadderPublisher(bucket, 2).publish(videoId, "00000000000000aa", ladder,
                Files.createDirectories(tmp.resolve("scratch")), LadderPublisher.BeforeSwitch.NOTHING);
        Unpublisher unpublisher = new Unpublisher(bucket, null);
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        try (RedisJobStatusStore statuses = new RedisJobStatusStore(Brokers.redisUrl());
             RedisTransport transport = new RedisTransport(new RedisTransport.Settings(Brokers.redisUrl(),
                     "hlsfleet-test-" + UUID.randomUUID().toString().substring(0, 8), Duration.ofSeconds(2),
                     Duration.ofMillis(200)));
             EventBus.Feed feed = transport.events().follow("unpublished.*", events::add)) {
            statuses.save(status(jobId, videoId, JobState.PUBLISHED, "00000000000000aa"));
            statuses.save(status(laterJobId, videoId, JobState.ENCODING, null));

            // A dry run lists what would go, master first, and removes nothing.
            assertThat(run(unpublisher, statuses, transport.events(), true).all(List.of(jobId))).isZero();
            assertThat(out.toString().lines().toList()).hasSize(8).first().isEqualTo(videoId + "/master.m3u8");
            assertThat(bucket.exists(videoId + "/master.m3u8")).isTrue();
            assertThat(err.toString()).contains("warning: job " + laterJobId).contains("is encoding");

            assertThat(run(unpublisher, statuses, transport.events(), false).all(List.of(jobId))).isZero();

            assertThat(out.toString()).contains(videoId + "  unpublished: removed master.m3u8, 7 objects of generation"
                    + " 00000000000000aa");
            assertThat(bucket.list(videoId)).isEmpty();
            JobStatus unpublished = statuses.find(jobId).orElseThrow();
            assertThat(unpublished.state()).isEqualTo(JobState.UNPUBLISHED);
            assertThat(unpublished.generation()).isEqualTo("00000000000000aa");
            assertThat(statuses.find(laterJobId).orElseThrow().state()).isEqualTo(JobState.ENCODING);
            await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
            JobEvent event = events.getFirst();
            assertThat(event.type()).isEqualTo(JobEvent.Type.UNPUBLISHED);
            assertThat(event.routingKey()).isEqualTo("unpublished.bucket");
            assertThat(event.jobId()).isEqualTo(jobId);
            assertThat(event.videoId()).isEqualTo(videoId);
            assertThat(event.published().masterUrl()).isEqualTo("https://cdn.example.org/hls/" + videoId + "/master.m3u8");
            assertThat(event.published().generation()).isEqualTo("00000000000000aa");

            // Now neither the video nor its job is published; an unknown id is neither a job nor a video.
            assertThat(run(unpublisher, statuses, transport.events(), false).all(List.of(videoId, jobId, "../x")))
                    .isEqualTo(1);
            assertThat(err.toString())
                    .contains("not unpublished " + videoId + ": " + videoId + " is not published (no " + videoId
                            + "/master.m3u8 in file:///srv/cdn/)")
                    .contains("not unpublished " + jobId + ": its video " + videoId + " is not published")
                    .contains("the job is unpublished")
                    .contains("not unpublished ../x: neither a video id nor a job id the status store knows");
            assertThat(events).hasSize(1);
            // The cancel of the job names the state it is in.
            assertThat(CancelCommand.refusal(jobId, statuses.find(jobId))).hasValueSatisfying(r -> assertThat(r)
                    .contains("unpublished already"));
        }
    }
}
