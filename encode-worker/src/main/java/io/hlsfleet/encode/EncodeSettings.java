package io.hlsfleet.encode;

import io.hlsfleet.config.EncodeHeightProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.JobOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the encode stage works with: its settings records ({@link EncodeProperties},
 * {@link FfmpegProperties}, {@link PicturesProperties}, {@link EncodeHeightProperties}), where each
 * setting's name, default and check live, and what follows from them, worked out once in {@link #from}.
 *
 * @param encode {@code hlsfleet.encode.*}
 * @param binaries the ffmpeg and ffprobe to run
 * @param threads threads per x264 encoder: {@link EncodeProperties#threads} when set, else the cores
 *        divided by concurrent jobs, so jobs x threads stays about the number of cores
 * @param profile the ladder, see {@link LadderProfile#from}
 * @param limits what the admission gate accepts
 * @param videoChain deinterlacing and tone mapping, see {@link VideoChain.Settings}
 * @param pictures poster and storyboard, see {@link Pictures.Settings}
 * @param renditions keyframe interval and how audio is published
 * @param timeLimitCap the longest any encode may take whatever the source, or null; see {@link #within}
 */
public record EncodeSettings(EncodeProperties encode, FfmpegProperties binaries, int threads, LadderProfile profile,
        Admission.Limits limits, VideoChain.Settings videoChain, Pictures.Settings pictures, Renditions renditions,
        Duration timeLimitCap) {

    /**
     * How the ladder is cut and what rides beside the video, from {@link EncodeProperties#keyframeSeconds},
     * {@link EncodeProperties#audio} and {@link EncodeProperties#maxAudioTracks}.
     *
     * @param keyframeSeconds a keyframe starts every this many seconds in every rung; segments are
     *        cut on every n-th one, so it divides the segment length
     * @param muxedAudio the main audio track is encoded into every variant, for players that cannot
     *        play separate audio, instead of every track becoming an audio rendition
     * @param maxAudioTracks most audio renditions
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

    /**
     * The audio tracks that also get a multichannel rendition: when any audio rendition has more
     * than two channels and the profile names a multichannel codec, every one of them, so a viewer
     * whose player takes the multichannel group finds every language there too; else none.
     */
    public List<MediaInfo.AudioTrack> surroundRenditions(MediaInfo media) {
        List<MediaInfo.AudioTrack> tracks = audioRenditions(media);
        boolean multichannel = tracks.stream().anyMatch(track -> track.channels() > 2);
        return multichannel && profile.surround() != LadderProfile.Surround.NONE ? tracks : List.of();
    }

    /** Channels of a track's multichannel rendition: 5.1 (the most ffmpeg's AC-3 encoders write) or stereo. */
    public static int surroundChannels(MediaInfo.AudioTrack track) {
        return track.channels() > 2 ? 6 : 2;
    }

    /** Bitrate of a track's multichannel rendition: the profile's for 5.1, the stereo AAC one's for stereo. */
    public int surroundKbps(MediaInfo.AudioTrack track) {
        return surroundChannels(track) == 6 ? profile.surroundKbps() : profile.audioKbps();
    }

    /** The preset of rungs that name none; chosen by the benchmark in bench/README.md. */
    public static final String DEFAULT_PRESET = "medium";

    public static EncodeSettings from(Settings settings, int concurrentJobs) {
        EncodeProperties encode = settings.bind(EncodeProperties.class);
        if (encode.crf() != null && (encode.crf() < 0 || encode.crf() > 51)) {
            throw new IllegalArgumentException("HLSFLEET_ENCODE_CRF=" + encode.crf() + " is not between 0 and 51");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        LadderProfile profile = LadderProfile.from(encode);
        return new EncodeSettings(
                encode,
                settings.bind(FfmpegProperties.class),
                encode.threads() != null ? encode.threads() : Math.max(1, cores / Math.max(1, concurrentJobs)),
                profile,
                Admission.Limits.from(encode, settings.bind(EncodeHeightProperties.class)),
                VideoChain.Settings.from(encode),
                Pictures.Settings.from(settings.bind(PicturesProperties.class)),
                Renditions.from(encode, profile),
                null);
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
        Duration minTimeLimit = encode.minTimeLimit();
        Duration stallTimeout = encode.stallTimeout();
        if (minTimeLimit.compareTo(cap) >= 0 || stallTimeout.compareTo(cap) >= 0) {
            throw new IllegalArgumentException("HLSFLEET_ENCODE_MIN_TIME_LIMIT (" + minTimeLimit
                    + ") and HLSFLEET_ENCODE_STALL_TIMEOUT (" + stallTimeout + ") must be shorter than nine tenths of"
                    + " HLSFLEET_CONSUMER_TIMEOUT (" + consumerTimeout + "), or RabbitMQ takes long encodes away from"
                    + " their worker: raise the consumer timeout or lower the limits");
        }
        return new EncodeSettings(encode, binaries, threads, profile, limits, videoChain, pictures, renditions, cap);
    }

    /**
     * These settings for a job with {@code options}: its {@code profile}, {@code rungs} and
     * {@code container} in place of the operator's. The intake checked their form only, so a
     * value that names no profile or no rung fails the job here, permanently, with the reason.
     */
    public EncodeSettings forJob(JobOptions options) throws JobFailure {
        if (options.profile() == null && options.rungs() == null && options.container() == null) {
            return this;
        }
        try {
            LadderProfile base = options.profile() == null ? profile
                    : LadderProfile.from(encode, "option profile", options.profile());
            LadderProfile chosen = base.with(
                    options.rungs() == null ? null : Rung.parseList("option rungs", options.rungs(), false),
                    options.container() == null ? null : Container.parse("option container", options.container()));
            return new EncodeSettings(encode, binaries, threads, chosen, limits, videoChain, pictures,
                    Renditions.from(encode, chosen), timeLimitCap);
        } catch (IllegalArgumentException e) {
            throw JobFailure.permanent("the job's options cannot be encoded: " + e.getMessage(), e);
        }
    }

    /** These settings without the poster and storyboard, for the chunks of a chunked video. */
    EncodeSettings withoutPictures() {
        Pictures.Settings off = new Pictures.Settings(false, pictures.posterHeight(), pictures.interval(),
                pictures.thumbnailWidth(), pictures.columns(), pictures.rows());
        return new EncodeSettings(encode, binaries, threads, profile, limits, videoChain, off, renditions, timeLimitCap);
    }

    /** The longest encode these settings allow: the limit of the longest source admission lets in. */
    public Duration largestTimeLimit() {
        return timeLimit(limits.maxDuration().toMillis() / 1000.0);
    }

    /**
     * The x264 options of one rung: {@link EncodeProperties#x264Params} for every rung, then the
     * rung's own, so that a key named in both takes the rung's value (x264 keeps the last).
     */
    public String x264ParamsFor(Rung rung) {
        return Stream.of(encode.x264Params(), rung.x264Params()).filter(p -> !p.isEmpty())
                .collect(Collectors.joining(":"));
    }

    /**
     * The x264 preset of one rung: {@link EncodeProperties#preset} when set, else the rung's own,
     * else {@link #DEFAULT_PRESET}.
     */
    public String presetFor(Rung rung) {
        if (encode.preset() != null) {
            return encode.preset();
        }
        return rung.preset() == null ? DEFAULT_PRESET : rung.preset();
    }

    /**
     * How long one encode may take in all: scales with the source, never below the minimum, never
     * above the cap.
     */
    public Duration timeLimit(double durationSeconds) {
        Duration scaled = Duration.ofMillis((long) Math.ceil(durationSeconds * encode.timeLimitFactor() * 1000));
        Duration limit = scaled.compareTo(encode.minTimeLimit()) > 0 ? scaled : encode.minTimeLimit();
        return timeLimitCap != null && limit.compareTo(timeLimitCap) > 0 ? timeLimitCap : limit;
    }
}
