package io.hlsfleet.encode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Encode cost, per finished ladder: speed (seconds of video per second of wall time, "x
 * realtime"), and the CPU time ffmpeg used against the seconds of video it encoded. CPU per video
 * second is the figure that decides how many workers a fleet needs.
 */
public final class EncodeMetrics {

    private final DistributionSummary speed;
    private final Counter cpuSeconds;
    private final Counter videoSeconds;

    public EncodeMetrics(MeterRegistry registry) {
        this.speed = DistributionSummary.builder("hlsfleet.encode.speed")
                .description("Encode speed of each ladder, in times realtime").baseUnit("ratio").register(registry);
        this.cpuSeconds = Counter.builder("hlsfleet.encode.cpu")
                .description("CPU time used by ffmpeg encoding ladders").baseUnit("seconds").register(registry);
        this.videoSeconds = Counter.builder("hlsfleet.encode.video")
                .description("Seconds of source video encoded into ladders").baseUnit("seconds").register(registry);
    }

    /** Metrics that go nowhere, for tools and tests that have no registry. */
    public static EncodeMetrics none() {
        return new EncodeMetrics(new SimpleMeterRegistry());
    }

    void record(double durationSeconds, double wallSeconds, double cpu) {
        if (wallSeconds > 0) {
            speed.record(durationSeconds / wallSeconds);
        }
        if (cpu > 0) {
            cpuSeconds.increment(cpu);
        }
        videoSeconds.increment(durationSeconds);
    }

    /** CPU that encoded no video seconds of its own: the audio and subtitles of a chunked video. */
    void recordCpu(double cpu) {
        if (cpu > 0) {
            cpuSeconds.increment(cpu);
        }
    }
}
