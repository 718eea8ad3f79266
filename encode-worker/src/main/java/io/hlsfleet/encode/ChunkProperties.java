package io.hlsfleet.encode;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * Settings of chunked encoding, {@code hlsfleet.encode.chunk.*} ({@code HLSFLEET_ENCODE_CHUNK_*}):
 * a video longer than the threshold is encoded as chunks of whole segments, each its own job on the
 * encode queue, so several encode workers (or slots) share one video. Durations without a unit are
 * seconds.
 *
 * @param enabled whether long videos are chunked at all
 * @param threshold videos longer than this are chunked
 * @param seconds length of one chunk, rounded up to whole segments
 */
@ConfigurationProperties("hlsfleet.encode.chunk")
public record ChunkProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("2m") @DurationUnit(ChronoUnit.SECONDS) Duration threshold,
        @DefaultValue("60s") @DurationUnit(ChronoUnit.SECONDS) Duration seconds) {

    /** Chunking off. */
    public static final ChunkProperties OFF = new ChunkProperties(false, Duration.ofMinutes(2), Duration.ofSeconds(60));

    public ChunkProperties {
        if (threshold.isNegative() || seconds.toMillis() < 1000) {
            throw new IllegalArgumentException("hlsfleet.encode.chunk: the threshold must not be negative and a chunk"
                    + " must be at least 1 s long");
        }
    }
}
