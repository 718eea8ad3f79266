package io.hlsfleet.encode;

import io.hlsfleet.config.EncodeHeightProperties;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.worker.HumanUnits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The admission gate: decides, before anything is decoded, whether a staged file is a video this
 * stage will encode. Everything it refuses is refused for good ({@link JobFailure#permanent}) with
 * a reason the uploader can act on.
 *
 * <p>Accepted containers (ffmpeg demuxer names, {@link #DEMUXERS}): {@code mov} (MP4, MOV, M4V,
 * 3GP), {@code matroska} (MKV, WebM), {@code mpegts} (TS, M2TS), {@code avi} and {@code flv}.
 * Everything else is refused, in particular the demuxers that open other files by design: HLS
 * and DASH playlists, {@code concat} scripts and image sequences, which is how a hostile upload
 * would make ffmpeg read local files or the network. ffprobe and ffmpeg are also held to the
 * {@code file} protocol and to these demuxers ({@code -protocol_whitelist}, {@code
 * -format_whitelist}), and ffmpeg is forced to the demuxer the probe found.
 */
public final class Admission {

    /** The demuxers a source may be read with, as ffmpeg's {@code -format_whitelist} takes them. */
    public static final List<String> DEMUXERS = List.of("mov", "matroska", "mpegts", "avi", "flv");

    /** What the accepted containers are called where a person reads it. */
    static final String ACCEPTED = "MP4/MOV, Matroska/WebM, MPEG-TS, AVI or FLV";

    /**
     * Size, length and stream-count limits. Width and height are compared with the displayed
     * picture's long and short side, so a portrait video has the same limits as a landscape one.
     *
     * @param maxWidth {@code HLSFLEET_ENCODE_MAX_WIDTH}, long side, default 7680
     * @param maxHeight {@code HLSFLEET_ENCODE_MAX_HEIGHT}, short side, default 4320
     * @param maxDuration {@code HLSFLEET_ENCODE_MAX_DURATION}, default 4 h
     * @param maxStreams {@code HLSFLEET_ENCODE_MAX_STREAMS}, all kinds together, default 16
     */
    public record Limits(int maxWidth, int maxHeight, Duration maxDuration, int maxStreams) {

        public static final Limits DEFAULT = new Limits(7680, 4320, Duration.ofHours(4), 16);

        public static Limits from(EncodeProperties encode, EncodeHeightProperties height) {
            return new Limits(encode.maxWidth(), height.maxHeight(), encode.maxDuration(), encode.maxStreams());
        }
    }

    private Admission() {
    }

    /** {@code -format_whitelist} value for ffprobe and ffmpeg. */
    static String formatWhitelist() {
        return String.join(",", DEMUXERS);
    }

    /**
     * Looks at the first bytes of a file for the things people upload by mistake (or on purpose)
     * that are not videos, so the reason can say what the file is rather than that ffprobe failed.
     */
    static void sniff(Path file) throws JobFailure, IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4096);
        }
        if (head.length == 0) {
            throw JobFailure.permanent("the file is empty");
        }
        String text = new String(head, StandardCharsets.ISO_8859_1).stripLeading().replace("\uFEFF", "")
                .replace("\u00EF\u00BB\u00BF", "");
        if (text.startsWith("#EXTM3U")) {
            throw JobFailure.permanent("the file is an HLS playlist, not a video; submit the video file itself");
        }
        if (text.startsWith("ffconcat")) {
            throw JobFailure.permanent("the file is an ffmpeg concat script, not a video; submit the video file itself");
        }
        if (text.startsWith("<?xml") || text.startsWith("<MPD") || text.startsWith("<!DOCTYPE") || text.startsWith("<html")) {
            throw JobFailure.permanent("the file is an XML or HTML document (a DASH manifest or a web page), not a video");
        }
        String image = imageKind(head);
        if (image != null) {
            throw JobFailure.permanent("the file is a still image (" + image + "), not a video");
        }
        if (looksLikeText(head)) {
            throw JobFailure.permanent("the file is text, not a video");
        }
    }

    private static String imageKind(byte[] h) {
        if (startsWith(h, 0x89, 'P', 'N', 'G')) {
            return "PNG";
        }
        if (startsWith(h, 0xFF, 0xD8, 0xFF)) {
            return "JPEG";
        }
        if (startsWith(h, 'G', 'I', 'F', '8')) {
            return "GIF";
        }
        if (startsWith(h, 'R', 'I', 'F', 'F') && h.length >= 12 && h[8] == 'W' && h[9] == 'E' && h[10] == 'B'
                && h[11] == 'P') {
            return "WebP";
        }
        if (startsWith(h, 'I', 'I', 42, 0) || startsWith(h, 'M', 'M', 0, 42)) {
            return "TIFF";
        }
        return null;
    }

    private static boolean startsWith(byte[] head, int... magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** No NUL and nearly all bytes printable: no audio/video container looks like that. */
    private static boolean looksLikeText(byte[] head) {
        int printable = 0;
        for (byte b : head) {
            int c = b & 0xFF;
            if (c == 0) {
                return false;
            }
            if (c >= 0x20 || c == '\n' || c == '\r' || c == '\t') {
                printable++;
            }
        }
        return printable >= head.length * 0.98;
    }

    /** Turns ffprobe's complaint about a file it could not open into a reason for a person. */
    static String unreadableReason(String ffprobeError) {
        String lower = ffprobeError.toLowerCase(Locale.ROOT);
        if (lower.contains("moov atom not found")) {
            return "the MP4 file is incomplete (its index is missing); it was probably cut off during upload";
        }
        return "the file is not a video in an accepted container (" + ACCEPTED + ") or it is damaged: "
                + Prober.firstLine(ffprobeError);
    }

    /** Refuses a probed file that breaks a limit, so one upload cannot tie up a worker for hours. */
    static void checkLimits(MediaInfo media, int streams, Limits limits) throws JobFailure {
        int longSide = Math.max(media.width(), media.height());
        if (longSide > limits.maxWidth() || media.shortSide() > limits.maxHeight()) {
            throw JobFailure.permanent("the video is " + media.width() + "x" + media.height()
                    + ", larger than the accepted " + limits.maxWidth() + "x" + limits.maxHeight());
        }
        if (media.durationSeconds() > limits.maxDuration().toMillis() / 1000.0) {
            throw JobFailure.permanent(String.format(Locale.ROOT, "the video is %s long, longer than the accepted %s",
                    HumanUnits.mediaLength(media.durationSeconds()), HumanUnits.mediaLength(limits.maxDuration().toSeconds())));
        }
        if (streams > limits.maxStreams()) {
            throw JobFailure.permanent("the file has " + streams + " streams, more than the accepted "
                    + limits.maxStreams());
        }
    }

    /** Whether ffprobe's demuxer name is one of {@link #DEMUXERS}. */
    static boolean accepted(String formatName) {
        return Arrays.stream(formatName.split(",")).anyMatch(DEMUXERS::contains);
    }
}
