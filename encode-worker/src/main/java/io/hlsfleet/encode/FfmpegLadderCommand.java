package io.hlsfleet.encode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds the single ffmpeg invocation that decodes a source once and writes every variant of its
 * ladder: the decoded picture is split and scaled once per variant, each scaled copy is encoded
 * with libx264 as 8-bit 4:2:0 (HDR variants: libx265 as 10-bit 4:2:0, branched off before the
 * tone mapping), and the HLS muxer writes one folder per variant. Keyframes are
 * forced at the same times in every rung (every {@code HLSFLEET_ENCODE_KEYFRAME_SECONDS}), and
 * segments are cut on them, so every segment starts with one and variants switch cleanly, whatever
 * the source's frame rate. Each audio track is encoded once into its own rendition folder (and once
 * more in E-AC-3 or AC-3 when the source has more than two channels); text subtitles are converted
 * to WebVTT in the same run.
 */
final class FfmpegLadderCommand {

    private FfmpegLadderCommand() {
    }

    static List<String> build(EncodeSettings settings, MediaInfo media, List<PlannedVariant> variants, Path source,
            Path outDir) {
        return build(settings, media, variants, source, outDir, Pictures.Target.whole(media, outDir));
    }

    /** The command with the pictures of {@code pictureTarget}'s window (one chunk's), into its folder. */
    static List<String> build(EncodeSettings settings, MediaInfo media, List<PlannedVariant> variants, Path source,
            Path outDir, Pictures.Target pictureTarget) {
        LadderProfile profile = settings.profile();
        List<String> cmd = new ArrayList<>(List.of(settings.binaries().ffmpeg(), "-hide_banner", "-nostdin", "-y",
                "-loglevel", "error", "-nostats", "-progress", "pipe:1",
                // Read only the staged file, with the demuxer the probe found and no other.
                "-protocol_whitelist", "file", "-format_whitelist", Admission.formatWhitelist(),
                // The decoder's threads, like the encoders' and the filters' below, are the job's
                // share of the cores: by default each would start one per core, and with a job per
                // core those extra threads only contend (13 % more CPU for the same bytes).
                "-threads", Integer.toString(settings.threads()),
                "-f", demuxer(media.formatName()),
                "-i", "file:" + source.toAbsolutePath()));

        // ffmpeg applies a rotation flag while decoding, so the graph sees the displayed picture.
        // The picture branches this run has moments for: none when pictures are off.
        List<String> pictures = settings.pictures().enabled() ? Pictures.branches(pictureTarget, settings.pictures())
                : List.of();
        long hdrCount = variants.stream().filter(PlannedVariant::hdr).count();
        StringBuilder graph = new StringBuilder("[0:").append(media.videoStream()).append(']')
                .append(VideoChain.deinterlace(media, settings.videoChain()));
        if (hdrCount > 0) {
            // The HDR ladder branches off before the tone mapping, which only the SDR ladder gets.
            graph.append("split=2[sdr][hdr];[sdr]");
        }
        graph.append(VideoChain.toneMap(media, settings.videoChain())).append("split=")
                .append(variants.size() - hdrCount + pictures.size());
        for (int i = 0; i < variants.size(); i++) {
            if (!variants.get(i).hdr()) {
                graph.append("[s").append(i).append(']');
            }
        }
        for (String branch : pictures) {
            graph.append('[').append(branch).append(']');
        }
        if (hdrCount > 0) {
            graph.append(";[hdr]split=").append(hdrCount);
            for (int i = 0; i < variants.size(); i++) {
                if (variants.get(i).hdr()) {
                    graph.append("[s").append(i).append(']');
                }
            }
        }
        for (int i = 0; i < variants.size(); i++) {
            PlannedVariant v = variants.get(i);
            graph.append(";[s").append(i).append(']').append(VideoChain.scale(v.width(), v.height(), media, settings.videoChain()))
                    .append(",setsar=1,format=").append(v.hdr() ? "yuv420p10le" : "yuv420p")
                    .append("[v").append(i).append(']');
        }
        if (!pictures.isEmpty()) {
            graph.append(Pictures.graph(pictureTarget, settings.pictures()));
        }
        // Without video variants and pictures (the audio and subtitles of a chunked video) nothing is decoded.
        if (variants.size() - hdrCount + pictures.size() > 0 || hdrCount > 0) {
            cmd.addAll(List.of("-filter_complex_threads", Integer.toString(settings.threads()),
                    "-filter_complex", graph.toString()));
        }

        boolean muxedAudio = media.hasAudio() && settings.renditions().muxedAudio();
        StringBuilder streamMap = new StringBuilder();
        for (int i = 0; i < variants.size(); i++) {
            PlannedVariant v = variants.get(i);
            cmd.addAll(List.of("-map", "[v" + i + "]"));
            Integer crf = settings.encode().crf();
            cmd.addAll(crf == null ? List.of("-b:v:" + i, v.videoKbps() + "k") : List.of("-crf:v:" + i, crf.toString()));
            cmd.addAll(List.of("-maxrate:v:" + i, v.maxKbps() + "k", "-bufsize:v:" + i, v.bufferKbits() + "k",
                    "-preset:v:" + i, v.preset()));
            // HDR variants (x265) are planned without x264 options.
            if (!v.x264Params().isEmpty()) {
                cmd.addAll(List.of("-x264-params:v:" + i, v.x264Params()));
            }
            if (muxedAudio) {
                cmd.addAll(List.of("-map", "0:" + media.audioStream()));
            }
            streamMap.append(streamMap.isEmpty() ? "" : " ").append("v:").append(i);
            if (muxedAudio) {
                streamMap.append(",a:").append(i);
            }
            streamMap.append(",name:").append(v.name());
        }
        // Each audio rendition is encoded once and segmented on its own, beside the video variants.
        List<MediaInfo.AudioTrack> audio = settings.audioRenditions(media);
        for (int j = 0; j < audio.size(); j++) {
            cmd.addAll(List.of("-map", "0:" + audio.get(j).stream()));
            streamMap.append(" a:").append(j).append(",name:").append(audioFolder(j));
        }
        // Sources with more than two channels: every track once more, in the multichannel codec.
        List<MediaInfo.AudioTrack> surround = settings.surroundRenditions(media);
        for (int j = 0; j < surround.size(); j++) {
            cmd.addAll(List.of("-map", "0:" + surround.get(j).stream()));
            streamMap.append(" a:").append(audio.size() + j).append(",name:").append(surroundFolder(j));
        }
        int segment = profile.segmentSeconds();
        int keyframe = settings.renditions().keyframeSeconds();
        cmd.addAll(List.of(
                "-map_metadata", "-1", "-map_chapters", "-1",
                "-c:v", "libx264", "-profile:v", profile.h264Profile(),
                "-threads", Integer.toString(settings.threads()),
                // The same forced keyframes in every rung: segments (cut on every n-th) align.
                "-force_key_frames", "expr:gte(t,n_forced*" + keyframe + ")",
                "-sc_threshold", "0"));
        cmd.addAll(VideoChain.colourTags(media));
        double frameRate = VideoChain.frameRate(media, settings.videoChain());
        if (frameRate > 0) {
            // No keyframes besides the forced ones: GOPs end exactly on the forced keyframes.
            cmd.addAll(List.of("-g", Long.toString(Math.max(1, Math.round(frameRate * keyframe)))));
        }
        if (!profile.h264Level().isEmpty()) {
            cmd.addAll(List.of("-level:v", profile.h264Level()));
        }
        // The options above are x264's; an HDR variant's own come after them, and ffmpeg takes the
        // last option that names a stream.
        for (int i = 0; i < variants.size(); i++) {
            if (variants.get(i).hdr()) {
                cmd.addAll(VideoChain.hdrEncoderOptions(i, media, settings.threads()));
            }
        }
        if (muxedAudio || !audio.isEmpty()) {
            // Audio that starts after the video is padded with silence from the video's start (audio
            // starting before it is met by video that repeats its first frame), so every rung's audio
            // and video start together and stay in sync.
            cmd.addAll(List.of("-c:a", "aac", "-b:a", profile.audioKbps() + "k", "-ac", "2",
                    "-af", "aresample=async=1:first_pts=0"));
        }
        for (int j = 0; j < surround.size(); j++) {
            String a = ":a:" + (audio.size() + j);
            cmd.addAll(List.of("-c" + a, profile.surround().encoder(), "-b" + a, settings.surroundKbps(surround.get(j)) + "k",
                    "-ac" + a, Integer.toString(EncodeSettings.surroundChannels(surround.get(j)))));
        }
        Container container = profile.container();
        if (!streamMap.isEmpty()) {
            cmd.addAll(List.of(
                    "-f", "hls", "-hls_time", Integer.toString(segment), "-hls_playlist_type", "vod",
                    "-hls_flags", "independent_segments", "-hls_list_size", "0",
                    "-hls_segment_type", container.segmentType()));
            if (container == Container.FMP4) {
                cmd.addAll(List.of("-hls_fmp4_init_filename", "init.mp4"));
            }
            cmd.addAll(List.of(
                    "-hls_segment_filename", outDir.resolve("%v/" + SEGMENT_PREFIX + "%05d" + container.extension()).toString(),
                    "-var_stream_map", streamMap.toString().strip(),
                    outDir.resolve("%v/index.m3u8").toString()));
        }
        // Text subtitles go to whole WebVTT files, segmented afterwards to match the video.
        for (int k = 0; k < media.subtitles().size(); k++) {
            cmd.addAll(List.of("-map", "0:" + media.subtitles().get(k).stream(), "-c:s", "webvtt", "-f", "webvtt",
                    outDir.resolve(subtitleFolder(k)).resolve(WHOLE_SUBTITLES).toString()));
        }
        if (!pictures.isEmpty()) {
            cmd.addAll(Pictures.outputs(pictureTarget, settings.pictures()));
        }
        return cmd;
    }

    /** How the name of every media segment of a variant starts; its number and extension follow. */
    static final String SEGMENT_PREFIX = "seg_";

    /** The whole WebVTT file of one subtitle track, before it is segmented. */
    static final String WHOLE_SUBTITLES = "whole.vtt";

    /** Folder of audio rendition {@code j}, relative to the ladder. */
    static String audioFolder(int j) {
        return "audio/a" + j;
    }

    /** Folder of multichannel audio rendition {@code j}, relative to the ladder. */
    static String surroundFolder(int j) {
        return "audio/m" + j;
    }

    /** Folder of subtitle rendition {@code k}, relative to the ladder. */
    static String subtitleFolder(int k) {
        return "subs/s" + k;
    }

    /** ffprobe reports e.g. {@code mov,mp4,m4a,3gp,3g2,mj2}; ffmpeg's -f takes the first name. */
    static String demuxer(String formatName) {
        int comma = formatName.indexOf(',');
        return (comma < 0 ? formatName : formatName.substring(0, comma)).toLowerCase(Locale.ROOT);
    }
}
