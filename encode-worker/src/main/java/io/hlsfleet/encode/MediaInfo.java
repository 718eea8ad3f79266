package io.hlsfleet.encode;

/**
 * What ffprobe found in a staged source, reduced to what planning and encoding the ladder need.
 *
 * @param formatName the demuxer ffprobe chose (ffmpeg is forced to the same one)
 * @param width displayed width, after any rotation flag is applied
 * @param height displayed height, after any rotation flag is applied
 * @param durationSeconds duration of the container
 * @param frameRate average frame rate of the video stream
 * @param videoStream index of the video stream the ladder is made from
 * @param audioStream index of the audio stream carried into the ladder (the default one, else the
 *        first), or -1 when there is none
 */
public record MediaInfo(String formatName, int width, int height, double durationSeconds, double frameRate,
        int videoStream, int audioStream) {

    /** The short side: rungs are named and sized by it, so portrait videos get the same ladder. */
    public int shortSide() {
        return Math.min(width, height);
    }

    public boolean portrait() {
        return height > width;
    }

    public boolean hasAudio() {
        return audioStream >= 0;
    }
}
