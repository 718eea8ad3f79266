package io.hlsfleet.encode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The filters a source's pictures go through once, before they are split and scaled per rung:
 * interlaced sources are deinterlaced ({@code bwdif}), HLG and PQ sources are tone-mapped to SDR
 * BT.709 (zscale to linear light, a tone-mapping operator, zscale back to BT.709). A progressive
 * SDR source goes through none of them. Non-square pixels need nothing here: every rung is scaled
 * to its planned size, which {@link LadderPlanner} derives from the displayed size, and then gets
 * square pixels.
 */
final class VideoChain {

    /** Operators of ffmpeg's {@code tonemap} filter that a person would choose. */
    static final List<String> TONE_MAP_OPERATORS = List.of("mobius", "hable", "reinhard", "clip");

    /**
     * Reference white of the linear light the operators work in (nits). SDR content inside an HDR
     * signal sits around here, so it comes out with its own brightness.
     */
    private static final int NOMINAL_PEAK = 100;

    /** Whether a deinterlaced source keeps its frame rate (one frame per field pair) or doubles it. */
    enum DeinterlaceRate {
        /** 50i becomes 50p: one frame per field, the smoothest motion. */
        FIELD,
        /** 50i becomes 25p: one frame per pair of fields, half the frames to encode. */
        FRAME
    }

    /** The filter that scales each rung's picture to its size. */
    enum Scaler {
        /**
         * zscale (zimg): about half the CPU of swscale for the same bicubic kernel (0.7 against 1.1-1.5
         * CPU s per 10 s 1080p clip for the 720p and 360p rungs; bench/README.md).
         */
        ZSCALE,
        /** ffmpeg's own scale filter, for an ffmpeg built without zimg. */
        SWSCALE
    }

    /**
     * @param deinterlaceRate {@code HLSFLEET_ENCODE_DEINTERLACE_RATE}: {@code frame} (default) or {@code field}
     * @param toneMap {@code HLSFLEET_ENCODE_TONEMAP}: the operator for HDR sources, default {@code mobius}
     * @param scaler {@code HLSFLEET_ENCODE_SCALER}: {@code zscale} (default) or {@code swscale}
     */
    record Settings(DeinterlaceRate deinterlaceRate, String toneMap, Scaler scaler) {

        static final Settings DEFAULT = new Settings(DeinterlaceRate.FRAME, "mobius", Scaler.ZSCALE);

        Settings {
            if (!TONE_MAP_OPERATORS.contains(toneMap)) {
                throw new IllegalArgumentException("HLSFLEET_ENCODE_TONEMAP=" + toneMap + " is not one of "
                        + TONE_MAP_OPERATORS);
            }
        }

        static Settings from(EncodeProperties encode) {
            String rate = encode.deinterlaceRate().strip().toLowerCase(Locale.ROOT);
            if (!rate.equals("frame") && !rate.equals("field")) {
                throw new IllegalArgumentException("HLSFLEET_ENCODE_DEINTERLACE_RATE=" + rate + " is not frame or field");
            }
            String scaler = encode.scaler().strip().toLowerCase(Locale.ROOT);
            if (!scaler.equals("zscale") && !scaler.equals("swscale")) {
                throw new IllegalArgumentException("HLSFLEET_ENCODE_SCALER=" + scaler + " is not zscale or swscale");
            }
            return new Settings(DeinterlaceRate.valueOf(rate.toUpperCase(Locale.ROOT)),
                    encode.tonemap().strip().toLowerCase(Locale.ROOT), Scaler.valueOf(scaler.toUpperCase(Locale.ROOT)));
        }
    }

    private VideoChain() {
    }

    /** The filters before the split, each followed by a comma; empty for a progressive SDR source. */
    static String filters(MediaInfo media, Settings settings) {
        return deinterlace(media, settings) + toneMap(media, settings);
    }

    /**
     * The filter that scales a rung's picture to {@code width} x {@code height}, in video range.
     * Both scalers use the bicubic kernel of swscale's defaults (B = 0, C = 0.6), which is also what
     * the benchmark's scorer scales the source with. zscale is told the chroma samples sit in the
     * middle, which is what swscale assumes between two 4:2:0 formats, so the two give the same
     * picture (SSIM 0.9995 between them at 360p) and the choice is one of speed. Range: a
     * full-range source becomes video range here, as swscale does on its way to {@code yuv420p}.
     * An RGB source (PNG, GIF, QuickTime Animation) has no YUV matrix to keep: zscale converts it
     * with BT.709's, which the encoder then tags.
     */
    static String scale(int width, int height, MediaInfo media, Settings settings) {
        String size = width + ":" + height;
        if (settings.scaler() == Scaler.SWSCALE) {
            return "scale=" + size + ":flags=bicubic";
        }
        return "zscale=" + size + ":filter=bicubic:param_a=0:param_b=0.6:chromalin=center:chromal=center:r=limited"
                + (media.picture().rgb() ? ":m=bt709" : "");
    }

    /** The deinterlacer, followed by a comma, for an interlaced source; else empty. */
    static String deinterlace(MediaInfo media, Settings settings) {
        MediaInfo.Picture picture = media.picture();
        StringBuilder chain = new StringBuilder();
        if (picture.scan().interlaced()) {
            // deint=all: the field order came from the container or from idet; per-frame flags are
            // often missing in files whose container is right, so every frame is deinterlaced.
            chain.append("bwdif=mode=").append(settings.deinterlaceRate() == DeinterlaceRate.FIELD ? "send_field"
                    : "send_frame").append(":parity=")
                    .append(picture.scan() == MediaInfo.Scan.TOP_FIELD_FIRST ? "tff" : "bff").append(":deint=all,");
        }
        return chain.toString();
    }

    /** The tone mapping to SDR BT.709, followed by a comma, for an HLG or PQ source; else empty. */
    static String toneMap(MediaInfo media, Settings settings) {
        MediaInfo.Picture picture = media.picture();
        StringBuilder chain = new StringBuilder();
        if (picture.hdr()) {
            chain.append("zscale=tin=").append(picture.transfer() == MediaInfo.Transfer.HLG ? "arib-std-b67" : "smpte2084")
                    .append(":pin=").append(oneOf(picture.primaries(), "bt2020", "bt709", "bt2020"))
                    .append(":min=").append(oneOf(picture.matrix(), "bt2020nc", "bt2020c", "bt709", "bt2020nc"))
                    .append(":rin=").append(picture.fullRange() ? "full" : "limited")
                    .append(":t=linear:npl=").append(NOMINAL_PEAK).append(",format=gbrpf32le,zscale=p=bt709,")
                    .append("tonemap=tonemap=").append(settings.toneMap()).append(":desat=0,")
                    .append("zscale=t=bt709:m=bt709:r=limited,format=yuv420p,");
        }
        return chain.toString();
    }

    /** Frame rate of what the chain puts out: doubled when interlaced fields become frames. */
    static double frameRate(MediaInfo media, Settings settings) {
        boolean doubled = media.picture().scan().interlaced() && settings.deinterlaceRate() == DeinterlaceRate.FIELD;
        return doubled ? media.frameRate() * 2 : media.frameRate();
    }

    /**
     * Encoder options that tag the rungs' colour: BT.709 where the chain converted to it (an
     * untagged tone-mapped picture would be guessed right by most players, but not all).
     */
    static List<String> colourTags(MediaInfo media) {
        List<String> tags = new ArrayList<>();
        if (media.picture().hdr()) {
            tags.addAll(List.of("-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
                    "-color_range", "tv"));
        }
        return tags;
    }

    /**
     * Options of output stream {@code stream} of the HDR ladder (HEVC Main10 with libx265): closed
     * GOPs whose forced keyframes are IDR pictures, as segments that start on them need; the
     * {@code hvc1} tag Apple's players require; BT.2020 with the source's transfer in the VUI; and for
     * PQ the HDR10 signalling with the source's mastering display and light levels where it has them.
     */
    static List<String> hdrEncoderOptions(int stream, MediaInfo media, int threads) {
        MediaInfo.Picture picture = media.picture();
        boolean pq = picture.transfer() == MediaInfo.Transfer.PQ;
        StringBuilder params = new StringBuilder("log-level=error:pools=").append(threads)
                .append(":scenecut=0:open-gop=0");
        if (pq) {
            params.append(":hdr10=1:hdr10-opt=1");
            if (!picture.masterDisplay().isEmpty()) {
                params.append(":master-display=").append(picture.masterDisplay());
            }
            if (!picture.contentLight().isEmpty()) {
                params.append(":max-cll=").append(picture.contentLight());
            }
        }
        String v = ":v:" + stream;
        return List.of("-c" + v, "libx265", "-profile" + v, "main10", "-tag" + v, "hvc1", "-forced-idr" + v, "1",
                "-x265-params" + v, params.toString(),
                "-color_primaries" + v, "bt2020", "-color_trc" + v, pq ? "smpte2084" : "arib-std-b67",
                "-colorspace" + v, "bt2020nc", "-color_range" + v, "tv");
    }

    /** {@code value} when it is one of {@code known}, else the last of them (the default). */
    private static String oneOf(String value, String... known) {
        return List.of(known).contains(value) ? value : known[known.length - 1];
    }
}
