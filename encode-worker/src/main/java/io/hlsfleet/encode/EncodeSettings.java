package io.hlsfleet.encode;

import io.hlsfleet.config.Settings;

/**
 * Settings of the encode stage.
 *
 * @param ffmpeg {@code HLSFLEET_FFMPEG}, default {@code ffmpeg} on the PATH
 * @param ffprobe {@code HLSFLEET_FFPROBE}, default {@code ffprobe} on the PATH
 * @param threads {@code HLSFLEET_ENCODE_THREADS}: encoder threads per job; by default cores divided
 *        by concurrent jobs, so jobs x threads stays about the number of cores
 * @param preset {@code HLSFLEET_ENCODE_PRESET}: x264 preset
 * @param profile the ladder
 */
public record EncodeSettings(String ffmpeg, String ffprobe, int threads, String preset, LadderProfile profile) {

    public static EncodeSettings from(Settings settings, int concurrentJobs) {
        int cores = Runtime.getRuntime().availableProcessors();
        return new EncodeSettings(
                settings.string("HLSFLEET_FFMPEG", "ffmpeg"),
                settings.string("HLSFLEET_FFPROBE", "ffprobe"),
                settings.integer("HLSFLEET_ENCODE_THREADS", Math.max(1, cores / Math.max(1, concurrentJobs))),
                settings.string("HLSFLEET_ENCODE_PRESET", "medium"),
                LadderProfile.DEFAULT);
    }
}
