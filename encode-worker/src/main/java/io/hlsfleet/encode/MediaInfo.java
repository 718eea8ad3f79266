package io.hlsfleet.encode;

/**
 * What ffprobe found in a staged source, reduced to what planning the ladder needs.
 *
 * @param formatName the demuxer ffprobe chose (ffmpeg is forced to the same one)
 * @param width displayed width, after any rotation flag is applied
 * @param height displayed height, after any rotation flag is applied
 * @param durationSeconds duration of the container
 * @param frameRate average frame rate of the video stream
 * @param hasAudio whether there is an audio stream to carry into the ladder
 */
public record MediaInfo(String formatName, int width, int height, double durationSeconds, double frameRate,
        boolean hasAudio) {

    /** The short side: rungs are named and sized by it, so portrait videos get the same ladder. */
    public int shortSide() {
        return Math.min(width, height);
    }

    public boolean portrait() {
        return height > width;
    }
}
