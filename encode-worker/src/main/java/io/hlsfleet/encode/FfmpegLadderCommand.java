package io.hlsfleet.encode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds the single ffmpeg invocation that decodes a source once and writes every variant of its
 * ladder: the decoded picture is split and scaled once per variant, each scaled copy is encoded
 * with libx264 as 8-bit 4:2:0, and the HLS muxer writes one folder per variant. Keyframes are
 * forced on segment boundaries so that every segment starts with one and variants switch cleanly.
 */
final class FfmpegLadderCommand {

    private FfmpegLadderCommand() {
    }

    static List<String> build(EncodeSettings settings, MediaInfo media, List<PlannedVariant> variants, Path source,
            Path outDir) {
        LadderProfile profile = settings.profile();
        List<String> cmd = new ArrayList<>(List.of(settings.ffmpeg(), "-hide_banner", "-nostdin", "-y",
                "-loglevel", "error", "-nostats", "-progress", "pipe:1",
                // Read only the staged file, with the demuxer the probe found.
                "-protocol_whitelist", "file", "-f", demuxer(media.formatName()),
                "-i", "file:" + source.toAbsolutePath()));

        StringBuilder graph = new StringBuilder("[0:v:0]split=").append(variants.size());
        for (int i = 0; i < variants.size(); i++) {
            graph.append("[s").append(i).append(']');
        }
        for (int i = 0; i < variants.size(); i++) {
            PlannedVariant v = variants.get(i);
            graph.append(";[s").append(i).append("]scale=").append(v.width()).append(':').append(v.height())
                    .append(":flags=bicubic,setsar=1,format=yuv420p[v").append(i).append(']');
        }
        cmd.addAll(List.of("-filter_complex", graph.toString()));

        StringBuilder streamMap = new StringBuilder();
        for (int i = 0; i < variants.size(); i++) {
            PlannedVariant v = variants.get(i);
            cmd.addAll(List.of("-map", "[v" + i + "]"));
            cmd.addAll(List.of("-b:v:" + i, v.videoKbps() + "k", "-maxrate:v:" + i, v.maxKbps() + "k",
                    "-bufsize:v:" + i, v.bufferKbits() + "k"));
            if (media.hasAudio()) {
                cmd.addAll(List.of("-map", "0:a:0"));
            }
            streamMap.append(streamMap.isEmpty() ? "" : " ").append("v:").append(i);
            if (media.hasAudio()) {
                streamMap.append(",a:").append(i);
            }
            streamMap.append(",name:").append(v.name());
        }
        int segment = profile.segmentSeconds();
        cmd.addAll(List.of(
                "-c:v", "libx264", "-preset", settings.preset(), "-profile:v", "high",
                "-threads", Integer.toString(settings.threads()),
                "-force_key_frames", "expr:gte(t,n_forced*" + segment + ")",
                "-sc_threshold", "0"));
        if (media.hasAudio()) {
            cmd.addAll(List.of("-c:a", "aac", "-b:a", profile.audioKbps() + "k", "-ac", "2"));
        }
        cmd.addAll(List.of(
                "-f", "hls", "-hls_time", Integer.toString(segment), "-hls_playlist_type", "vod",
                "-hls_flags", "independent_segments", "-hls_list_size", "0",
                "-hls_segment_filename", outDir.resolve("%v/seg_%05d.ts").toString(),
                "-var_stream_map", streamMap.toString(),
                outDir.resolve("%v/index.m3u8").toString()));
        return cmd;
    }

    /** ffprobe reports e.g. {@code mov,mp4,m4a,3gp,3g2,mj2}; ffmpeg's -f takes the first name. */
    static String demuxer(String formatName) {
        int comma = formatName.indexOf(',');
        return (comma < 0 ? formatName : formatName.substring(0, comma)).toLowerCase(Locale.ROOT);
    }
}
