package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.testing.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults of the worker rather than of the video are retryable, with a reason. Real ffmpeg. */
class FailureClassesIT {

    @TempDir
    Path dir;

    @Test
    void fullDiskIsRetryable() throws Exception {
        Path clip = SyntheticClip.video(160, 90).writeTo(dir.resolve("clip.mp4"));
        MediaInfo media = new Prober("ffprobe", "ffmpeg", Admission.Limits.DEFAULT).probe(clip);
        Path out = dir.resolve("ladder");
        // The first segment's path leads to /dev/full, which fails every write with ENOSPC.
        Files.createDirectories(out.resolve("90p"));
        Files.createSymbolicLink(out.resolve("90p/seg_00000.ts"), Path.of("/dev/full"));
        LadderEncoder encoder = new LadderEncoder(EncodeHarness.settings("HLSFLEET_ENCODE_RUNGS", "144:150k"),
                EncodeMetrics.none());

        JobFailure failure = org.assertj.core.api.Assertions.catchThrowableOfType(JobFailure.class,
                () -> encoder.encode(clip, media, out, EncodeHarness.NO_PROGRESS));

        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.reason()).contains("disk is full");
    }
}
