package io.hlsfleet.encode;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * Settings of the encode stage, {@code hlsfleet.encode.*} ({@code HLSFLEET_ENCODE_*}); what they
 * become is {@link EncodeSettings}. Unset ladder parts come from the profile. Durations without a
 * unit are seconds.
 *
 * @param profile ladder profile: {@code default} (360p/720p/1080p, MPEG-TS, 6 s segments),
 *        {@code cmaf} (the same in fMP4), {@code cmaf-hdr} (the same, plus an HDR ladder for HDR
 *        sources) or {@code uhd}
 * @param rungs {@code height:bitrate[:maxrate[:buffer[:preset[:x264-options]]]],...}, replacing the
 *        profile's rungs
 * @param audioBitrate AAC bitrate, such as {@code 128k}
 * @param segmentSeconds segment length
 * @param container {@code ts} or {@code fmp4}
 * @param h264Profile H.264 profile ceiling: {@code baseline}, {@code main} or {@code high}
 * @param h264Level H.264 level such as {@code 4.1}; by default x264 chooses
 * @param preset one x264 preset for every rung, overriding the rungs' own
 * @param crf capped CRF instead of one-pass ABR: every rung encoded at this constant rate factor
 *        (0-51, lower is better), held under the rung's maxrate and buffer; unset, each rung is
 *        encoded at its bitrate. A rung's bits at any moment then follow only the picture there,
 *        not what came before it, so a chunked video gets the bitrate one ffmpeg would give it
 * @param x264Params extra x264 options for every rung, {@code key=value:...}, before each rung's
 *        own; the default was chosen by the benchmark in bench/README.md (with a keyframe every
 *        2 s, about four times as many as x264 would place, each is quantised finer: {@code ipratio})
 * @param threads encoder threads per ffmpeg; by default cores divided by concurrent encodes
 * @param maxWidth admission limit on the long side of the picture
 *        (the limit on the short side, {@code max-height}, is in {@code EncodeHeightProperties}, since
 *        the download stage obeys it too)
 * @param maxDuration admission limit on the duration
 * @param maxStreams admission limit on streams of all kinds together
 * @param stallTimeout ffmpeg is stopped (and the attempt retried) after this long without progress
 * @param minTimeLimit the overall limit of one encode is never below this
 * @param timeLimitFactor the overall limit of one encode is this many times the source's duration
 *        (when that is more than the minimum)
 * @param deinterlaceRate interlaced sources: {@code frame} (50i to 25p) or {@code field} (50i to 50p)
 * @param tonemap tone-mapping operator for HLG and PQ sources: {@code mobius}, {@code hable},
 *        {@code reinhard} or {@code clip}
 * @param scaler the filter that scales the rungs: {@code zscale} (zimg, the faster) or {@code swscale}
 *        (for an ffmpeg built without zimg, which cannot tone-map HDR sources either)
 * @param keyframeSeconds a keyframe every this many seconds in every rung; divides the segment length
 * @param audio {@code renditions} (each audio track encoded once, as an audio rendition) or
 *        {@code muxed} (the main track encoded into every variant)
 * @param maxAudioTracks most audio renditions per video
 * @param surround codec of the multichannel renditions of sources with more than two channels:
 *        {@code eac3}, {@code ac3} or {@code none}
 * @param surroundBitrate bitrate of a 5.1 multichannel rendition, such as {@code 192k}
 * @param keepHdr HLG and PQ sources also get an HEVC Main10 HDR ladder beside the tone-mapped one
 *        (fMP4 only)
 */
@ConfigurationProperties("hlsfleet.encode")
public record EncodeProperties(
        @DefaultValue("default") String profile,
        String rungs,
        String audioBitrate,
        Integer segmentSeconds,
        String container,
        String h264Profile,
        String h264Level,
        String preset,
        Integer crf,
        @DefaultValue("aq-mode=2:trellis=1:ipratio=1.7") String x264Params,
        Integer threads,
        @DefaultValue("7680") int maxWidth,
        @DefaultValue("4h") @DurationUnit(ChronoUnit.SECONDS) Duration maxDuration,
        @DefaultValue("16") int maxStreams,
        @DefaultValue("120s") @DurationUnit(ChronoUnit.SECONDS) Duration stallTimeout,
        @DefaultValue("10m") @DurationUnit(ChronoUnit.SECONDS) Duration minTimeLimit,
        @DefaultValue("20") int timeLimitFactor,
        @DefaultValue("frame") String deinterlaceRate,
        @DefaultValue("mobius") String tonemap,
        @DefaultValue("zscale") String scaler,
        @DefaultValue("2") int keyframeSeconds,
        @DefaultValue("renditions") String audio,
        @DefaultValue("4") int maxAudioTracks,
        String surround,
        String surroundBitrate,
        Boolean keepHdr) {

    public EncodeProperties {
        rungs = blankToNull(rungs);
        audioBitrate = blankToNull(audioBitrate);
        container = blankToNull(container);
        h264Profile = blankToNull(h264Profile);
        h264Level = blankToNull(h264Level);
        preset = blankToNull(preset);
        surround = blankToNull(surround);
        surroundBitrate = blankToNull(surroundBitrate);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
