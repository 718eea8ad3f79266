package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress of a long video from its first segments, with real ffmpeg. ffmpeg 5.1 writes no
 * progress report until every output has its first frame, and the poster's first candidate is a
 * sixteenth of the way into the video: 37.5 s into this 10-minute one.
 */
class EncodeProgressIT {

    @TempDir
    Path dir;

    @Test
    void aLongVideoShowsProgressBeforeItsFirstPosterCandidate() throws Exception {
        Path clip = SyntheticClip.video(320, 180).fps("10").seconds(600).writeTo(dir.resolve("long.mp4"));
        // A slow preset, so that the first sixteenth takes seconds, not a few polls of the watchdog.
        EncodeSettings settings = EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "180:250k:375k:500k:veryslow");
        MediaInfo media = Prober.of(settings).probe(clip);
        LadderEncoder encoder = new LadderEncoder(settings, EncodeMetrics.none());
        List<Double> shown = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> reachedFirstSixteenth = new CompletableFuture<>();

        Thread encoding = Thread.ofPlatform().start(() -> {
            try {
                encoder.encode(clip, media, dir.resolve("ladder"), (fraction, detail) -> {
                    shown.add(fraction);
                    if (fraction >= 1.0 / 16) {
                        reachedFirstSixteenth.complete(null);
                    }
                });
                reachedFirstSixteenth.complete(null);
            } catch (Exception e) {
                reachedFirstSixteenth.completeExceptionally(e);
            }
        });
        try {
            reachedFirstSixteenth.get(5, TimeUnit.MINUTES);
        } finally {
            // The rest of the encode is not the test: stopping the thread kills ffmpeg.
            encoding.interrupt();
            encoding.join(10_000);
        }

        assertThat(shown).as("progress shown within the first sixteenth of the video")
                .anyMatch(fraction -> fraction > 0 && fraction < 1.0 / 16);
        assertThat(shown).as("never backwards").isSortedAccordingTo(Double::compare);
    }
}
