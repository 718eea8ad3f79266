package io.hlsfleet.encode;

import io.hlsfleet.config.EncodeHeightProperties;
import io.hlsfleet.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Settings of the encode stage as the encoder uses them, made from {@link EncodeProperties} and
 * {@link FfmpegProperties} (see the module README).
 *
 * @param ffmpeg {@code HLSFLEET_FFMPEG}, default {@code ffmpeg} on the PATH
 * @param ffprobe {@code HLSFLEET_FFPROBE}, default {@code ffprobe} on the PATH
 * @param threads {@code HLSFLEET_ENCODE_THREADS}: threads per x264 encoder; by default cores divided
 *        by concurrent jobs, so jobs x threads stays about the number of cores
 * @param preset {@code HLSFLEET_ENCODE_PRESET}: x264 preset for every rung when set; when unset,
 *        each rung's own preset, else {@link #DEFAULT_PRESET}
 * @param presetOverride whether {@code preset} was set explicitly and so overrides rung presets
 * @param x264Params {@code HLSFLEET_ENCODE_X264_PARAMS}: extra x264 options, {@code key=value:...}
 * @param profile the ladder, see {@link LadderProfile#from}
 * @param limits what the admission gate accepts
 * @param stallTimeout {@code HLSFLEET_ENCODE_STALL_TIMEOUT}: ffmpeg is killed after this long
 *        without progress
 * @param minTimeLimit {@code HLSFLEET_ENCODE_MIN_TIME_LIMIT}: the overall limit is never below this
 * @param timeLimitFactor {@code HLSFLEET_ENCODE_TIME_LIMIT_FACTOR}: the overall limit is this many
 *        times the source's duration (when that is more than the minimum)
 * @param videoChain deinterlacing and tone mapping, see {@link VideoChain.Settings}
 * @param pictures poster and storyboard, see {@link Pictures.Settings}
 * @param timeLimitCap the longest any encode may take whatever the source, or null; see {@link #within}
 * @param renditions keyframe interval and how audio and subtitles are published
 */
public record EncodeSettings(String ffmpeg, String ffprobe, int threads, String preset, boolean presetOverride,
        String x264Params, LadderProfile profile, Admission.Limits limits, Duration stallTimeout,
        Duration minTimeLimit, int timeLimitFactor, VideoChain.Settings videoChain, Pictures.Settings pictures,
        Duration timeLimitCap,
        Renditions renditions) {

    /**
     * How the ladder is cut and what rides beside the video.
     *
     * @param keyframeSeconds {@code HLSFLEET_ENCODE_KEYFRAME_SECONDS}: a keyframe starts every this
     *        many seconds in every rung (Apple's authoring rules ask for 2); segments are cut on
     *        every n-th one, so the segment length must be a multiple of it
     * @param muxedAudio {@code HLSFLEET_ENCODE_AUDIO=muxed}: the main audio track encoded into every
     *        variant, for players that cannot play separate audio; by default ({@code renditions})
     *        every audio track is encoded once and published as an audio rendition
     * @param maxAudioTracks {@code HLSFLEET_ENCODE_MAX_AUDIO_TRACKS}: most audio renditions
     */
    public record Renditions(int keyframeSeconds, boolean muxedAudio, int maxAudioTracks) {

        static Renditions from(EncodeProperties encode, LadderProfile profile) {
            int keyframe = encode.keyframeSeconds();
            if (keyframe < 1 || profile.segmentSeconds() % keyframe != 0) {
                throw new IllegalArgumentException("HLSFLEET_ENCODE_KEYFRAME_SECONDS=" + keyframe + " must divide the "
                        + profile.segmentSeconds() + " s segments, so every segment starts on a keyframe");
            }
            String audio = encode.audio().strip().toLowerCase(Locale.ROOT);
            if (!audio.equals("renditions") && !audio.equals("muxed")) {
                throw new IllegalArgumentException("HLSFLEET_ENCODE_AUDIO=" + audio + " is not renditions or muxed");
            }
            if (encode.maxAudioTracks() < 1) {
                throw new IllegalArgumentException("HLSFLEET_ENCODE_MAX_AUDIO_TRACKS must be at least 1");
            }
            return new Renditions(keyframe, audio.equals("muxed"), encode.maxAudioTracks());
        }
    }

    /** The audio tracks that become renditions: the source's choosable ones, up to the limit. */
    public List<MediaInfo.AudioTrack> audioRenditions(MediaInfo media) {
        if (renditions.muxedAudio()) {
            return List.of();
        }
        return media.audioTracks().subList(0, Math.min(media.audioTracks().size(), renditions.maxAudioTracks()));
    }

    /** The preset of rungs that name none; chosen by the benchmark in bench/README.md. */
    public static final String DEFAULT_PRESET = "medium";

    /** Extra x264 options by default; chosen by the benchmark in bench/README.md. */
    public static final String DEFAULT_X264_PARAMS = "aq-mode=2";

    public static EncodeSettings from(Settings settings, int concurrentJobs) {
        EncodeProperties encode = settings.bind(EncodeProperties.class);
        FfmpegProperties binaries = settings.bind(FfmpegProperties.class);
        int cores = Runtime.getRuntime().availableProcessors();
        String preset = encode.preset();
        LadderProfile profile = LadderProfile.from(encode);
        return new EncodeSettings(
                binaries.ffmpeg(),
                binaries.ffprobe(),
                encode.threads() != null ? encode.threads() : Math.max(1, cores / Math.max(1, concurrentJobs)),
                preset == null ? DEFAULT_PRESET : preset,
                preset != null,
                encode.x264Params(),
                profile,
                Admission.Limits.from(encode, settings.bind(EncodeHeightProperties.class)),
                encode.stallTimeout(),
                encode.minTimeLimit(),
                encode.timeLimitFactor(),
                VideoChain.Settings.from(encode),
                Pictures.Settings.from(settings.bind(PicturesProperties.class)),
                null,
                Renditions.from(encode, profile));
    }

    /**
     * These settings for a worker whose broker takes a message back from a consumer that holds it
     * longer than {@code consumerTimeout} (RabbitMQ's {@code x-consumer-timeout}): every encode's
     * limit is capped at nine tenths of it, the rest left for fetching the source and storing the
     * ladder, so the watchdog ends a long encode before the broker does. Refuses settings whose
     * minimum limit or stall timeout already reach the cap.
     */
    public EncodeSettings within(Duration consumerTimeout) {
        Duration cap = consumerTimeout.multipliedBy(9).dividedBy(10);
        if (minTimeLimit.compareTo(cap) >= 0 || stallTimeout.compareTo(cap) >= 0) {
            throw new IllegalArgumentException("HLSFLEET_ENCODE_MIN_TIME_LIMIT (" + minTimeLimit
                    + ") and HLSFLEET_ENCODE_STALL_TIMEOUT (" + stallTimeout + ") must be shorter than nine tenths of"
                    + " HLSFLEET_CONSUMER_TIMEOUT (" + consumerTimeout + "), or RabbitMQ takes long encodes away from"
                    + " their worker: raise the consumer timeout or lower the limits");
        }
        return new EncodeSettings(ffmpeg, ffprobe, threads, preset, presetOverride, x264Params, profile, limits,
                stallTimeout, minTimeLimit, timeLimitFactor, videoChain, pictures, cap, renditions);
    }

    /** The longest encode these settings allow: the limit of the longest source admission lets in. */
    public Duration largestTimeLimit() {
        return timeLimit(limits.maxDuration().toMillis() / 1000.0);
    }

    /** The x264 preset of one rung. */
    public String presetFor(Rung rung) {
        return presetOverride || rung.preset() == null ? preset : rung.preset();
    }

    /**
     * How long one encode may take in all: scales with the source, never below the minimum, never
     * above the cap.
     */
    public Duration timeLimit(double durationSeconds) {
        Duration scaled = Duration.ofMillis((long) Math.ceil(durationSeconds * timeLimitFactor * 1000));
        Duration limit = scaled.compareTo(minTimeLimit) > 0 ? scaled : minTimeLimit;
        return timeLimitCap != null && limit.compareTo(timeLimitCap) > 0 ? timeLimitCap : limit;
    }
}
