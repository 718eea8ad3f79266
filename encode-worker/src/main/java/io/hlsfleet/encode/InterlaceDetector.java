package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.worker.ChildProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks at the pictures of a source whose container does not say whether it is interlaced: ffmpeg's
 * {@code idet} compares each frame with its neighbours and counts frames that look top field first,
 * bottom field first or progressive. Only the first {@link #FRAMES} frames are looked at, so a long
 * source costs no more than a short one.
 */
final class InterlaceDetector {

    static final int FRAMES = 300;

    private static final Pattern MULTI_FRAME = Pattern.compile(
            "Multi frame detection: TFF:\\s*(\\d+)\\s+BFF:\\s*(\\d+)\\s+Progressive:\\s*(\\d+)");

    private InterlaceDetector() {
    }

    static MediaInfo.Scan detect(String ffmpeg, Path source, MediaInfo media)
            throws JobFailure, IOException, InterruptedException {
        Process process = ChildProcesses.start(new ProcessBuilder(List.of(ffmpeg, "-hide_banner", "-nostdin",
                "-nostats", "-loglevel", "info",
                "-protocol_whitelist", "file", "-format_whitelist", Admission.formatWhitelist(),
                "-f", FfmpegLadderCommand.demuxer(media.formatName()), "-i", "file:" + source.toAbsolutePath(),
                "-map", "0:" + media.videoStream(), "-frames:v", Integer.toString(FRAMES), "-vf", "idet",
                "-f", "null", "-")).redirectOutput(ProcessBuilder.Redirect.DISCARD));
        try {
            String log = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                throw JobFailure.retryable("looking for interlacing did not finish within 120 s");
            }
            if (process.exitValue() != 0) {
                throw JobFailure.permanent("the video could not be decoded: " + Prober.firstLine(log.strip()));
            }
            return verdict(log);
        } finally {
            ChildProcesses.kill(process);
        }
    }

    /**
     * Interlaced when clearly more frames look interlaced than progressive; a still or nearly
     * still picture leaves idet undecided and counts as progressive, which is then harmless.
     */
    static MediaInfo.Scan verdict(String idetLog) {
        Matcher m = MULTI_FRAME.matcher(idetLog);
        if (!m.find()) {
            return MediaInfo.Scan.PROGRESSIVE;
        }
        long tff = Long.parseLong(m.group(1));
        long bff = Long.parseLong(m.group(2));
        long progressive = Long.parseLong(m.group(3));
        if (tff + bff < 5 || tff + bff <= 2 * progressive) {
            return MediaInfo.Scan.PROGRESSIVE;
        }
        return tff >= bff ? MediaInfo.Scan.TOP_FIELD_FIRST : MediaInfo.Scan.BOTTOM_FIELD_FIRST;
    }
}
