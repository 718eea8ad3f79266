package io.hlsfleet.encode;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The binaries the encode stage runs ({@code HLSFLEET_FFMPEG}, {@code HLSFLEET_FFPROBE}).
 *
 * @param ffmpeg the ffmpeg to run
 * @param ffprobe the ffprobe to run
 */
@ConfigurationProperties("hlsfleet")
public record FfmpegProperties(
        @DefaultValue("ffmpeg") String ffmpeg,
        @DefaultValue("ffprobe") String ffprobe) {
}
