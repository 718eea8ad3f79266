package io.hlsfleet.encode;

import java.util.List;

/**
 * What ffprobe found in a staged source, reduced to what planning and encoding the ladder need.
 *
 * @param formatName the demuxer ffprobe chose (ffmpeg is forced to the same one)
 * @param width displayed width: the coded width times the sample aspect ratio, after any rotation flag
 *        is applied
 * @param height displayed height, after any rotation flag is applied
 * @param durationSeconds duration of the container
 * @param frameRate average frame rate of the video stream
 * @param videoStream index of the video stream the ladder is made from
 * @param audioStream index of the main audio stream (the default one, else the first), or -1 when
 *        there is none; it is the one muxed into the variants when audio is muxed
 * @param picture how the pictures are scanned and coloured, which decides deinterlacing and tone mapping
 * @param audioTracks the audio tracks a viewer would choose from, the main one first; each becomes
 *        an audio rendition
 * @param subtitles the text subtitle tracks; each becomes a WebVTT rendition
 * @param leftOut what the ladder cannot carry (bitmap subtitles), said to the uploader
 */
public record MediaInfo(String formatName, int width, int height, double durationSeconds, double frameRate,
        int videoStream, int audioStream, Picture picture, List<AudioTrack> audioTracks,
        List<SubtitleTrack> subtitles, List<String> leftOut) {

    /** One audio track of the source; {@code sampleRate} is 0 where the source does not say. */
    public record AudioTrack(int stream, String language, String title, int channels, int sampleRate) {
    }

    /** One text subtitle track of the source. */
    public record SubtitleTrack(int stream, String codec, String language, String title, boolean isDefault,
            boolean forced) {
    }

    public MediaInfo {
        audioTracks = List.copyOf(audioTracks);
        subtitles = List.copyOf(subtitles);
        leftOut = List.copyOf(leftOut);
    }

    /** A source with at most one stereo, untagged audio track and no subtitles. */
    public MediaInfo(String formatName, int width, int height, double durationSeconds, double frameRate,
            int videoStream, int audioStream, Picture picture) {
        this(formatName, width, height, durationSeconds, frameRate, videoStream, audioStream, picture,
                audioStream < 0 ? List.of() : List.of(new AudioTrack(audioStream, "und", "", 2, 0)), List.of(), List.of());
    }

    /** A progressive SDR source with at most one stereo, untagged audio track and no subtitles. */
    public MediaInfo(String formatName, int width, int height, double durationSeconds, double frameRate,
            int videoStream, int audioStream) {
        this(formatName, width, height, durationSeconds, frameRate, videoStream, audioStream, Picture.PROGRESSIVE_SDR);
    }

    /** How the source's fields are ordered in time; {@code UNKNOWN} until the content is looked at. */
    public enum Scan {
        PROGRESSIVE, TOP_FIELD_FIRST, BOTTOM_FIELD_FIRST, UNKNOWN;

        public boolean interlaced() {
            return this == TOP_FIELD_FIRST || this == BOTTOM_FIELD_FIRST;
        }
    }

    /** The transfer function: standard dynamic range, or one of the two HDR ones. */
    public enum Transfer {
        SDR, HLG, PQ
    }

    /**
     * Scan and colour of the source's pictures.
     *
     * @param scan progressive, or interlaced with its field order
     * @param transfer SDR, HLG or PQ (a Dolby Vision source is described by its base layer)
     * @param primaries colour primaries as ffprobe names them ({@code bt2020}, ...), empty when untagged
     * @param matrix YUV matrix as ffprobe names it ({@code bt2020nc}, ...), {@link #RGB} for RGB pictures, empty
     *        when untagged
     * @param fullRange whether the YUV values use the full 0–255 range rather than the video range
     * @param masterDisplay HDR10 mastering display colour volume in x265's {@code master-display}
     *        syntax ({@code G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min)}), empty when the source has none
     * @param contentLight HDR10 content light level in x265's {@code max-cll} syntax
     *        ({@code maxCLL,maxFALL}), empty when the source has none
     */
    public record Picture(Scan scan, Transfer transfer, String primaries, String matrix, boolean fullRange,
            String masterDisplay, String contentLight) {

        public static final Picture PROGRESSIVE_SDR = new Picture(Scan.PROGRESSIVE, Transfer.SDR, "", "", false);

        /** The {@code matrix} of RGB pictures, as ffprobe names it. */
        public static final String RGB = "gbr";

        /** A picture without HDR10 metadata. */
        public Picture(Scan scan, Transfer transfer, String primaries, String matrix, boolean fullRange) {
            this(scan, transfer, primaries, matrix, fullRange, "", "");
        }

        public Picture withScan(Scan newScan) {
            return new Picture(newScan, transfer, primaries, matrix, fullRange, masterDisplay, contentLight);
        }

        public Picture withHdr10(String newMasterDisplay, String newContentLight) {
            return new Picture(scan, transfer, primaries, matrix, fullRange, newMasterDisplay, newContentLight);
        }

        public boolean hdr() {
            return transfer != Transfer.SDR;
        }

        public boolean rgb() {
            return RGB.equals(matrix);
        }
    }

    public MediaInfo withPicture(Picture newPicture) {
        return new MediaInfo(formatName, width, height, durationSeconds, frameRate, videoStream, audioStream, newPicture,
                audioTracks, subtitles, leftOut);
    }

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
