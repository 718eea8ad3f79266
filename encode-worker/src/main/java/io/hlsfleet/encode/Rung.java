package io.hlsfleet.encode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One rung of a ladder profile.
 *
 * @param height the short side of the output, 360 for "360p"
 * @param videoKbps target average video bitrate
 * @param maxKbps peak video bitrate the encoder may reach (VBV maxrate)
 * @param bufferKbits VBV buffer size
 * @param preset x264 preset of this rung, or {@code null} for the settings' preset. Small rungs are
 *        cheap, so a slower preset there buys quality for little CPU.
 * @param x264Params x264 options of this rung alone ({@code key=value:...}, empty for none), after
 *        the settings' options for every rung, so a key named in both takes this rung's value
 */
public record Rung(int height, int videoKbps, int maxKbps, int bufferKbits, String preset, String x264Params) {

    public Rung {
        if (height < 2 || videoKbps <= 0 || maxKbps < videoKbps || bufferKbits <= 0) {
            throw new IllegalArgumentException("rung " + height + "p needs a height of at least 2, a positive bitrate,"
                    + " a max rate not below it and a positive buffer");
        }
        x264Params = x264Params == null ? "" : x264Params.strip();
    }

    public Rung(int height, int videoKbps, int maxKbps, int bufferKbits, String preset) {
        this(height, videoKbps, maxKbps, bufferKbits, preset, "");
    }

    public Rung(int height, int videoKbps, int maxKbps, int bufferKbits) {
        this(height, videoKbps, maxKbps, bufferKbits, null);
    }

    public String name() {
        return height + "p";
    }

    /**
     * Parses the compact rung list of {@code HLSFLEET_ENCODE_RUNGS}: comma-separated
     * {@code height:bitrate[:maxrate[:buffer[:preset[:x264-options]]]]}, bitrates in kbit/s with an
     * optional {@code k} or {@code M}; everything after the fifth colon is the rung's x264 options.
     * Max rate defaults to 1.5x and buffer to 2x the bitrate.
     * Example: {@code 360:360k:540k:720k:slow,720:870k,1080:2.1M:3.15M:4.2M:veryfast:subme=1}.
     *
     * @param x264Options whether rungs may carry x264 options: the operator's may, a job's may not
     *        (options such as {@code stats} name files the encoder writes)
     */
    public static List<Rung> parseList(String name, String value, boolean x264Options) {
        List<Rung> rungs = new ArrayList<>();
        for (String item : value.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            String[] f = item.strip().split(":", 6);
            if (f.length > 5 && !x264Options) {
                throw new IllegalArgumentException(name + ": rung '" + item.strip() + "' names x264 options, which"
                        + " only the operator's HLSFLEET_ENCODE_RUNGS may");
            }
            try {
                int height = Integer.parseInt(f[0].strip().replaceFirst("[pP]$", ""));
                int bitrate = kbps(f[1]);
                int max = f.length > 2 && !f[2].isBlank() ? kbps(f[2]) : bitrate * 3 / 2;
                int buffer = f.length > 3 && !f[3].isBlank() ? kbps(f[3]) : bitrate * 2;
                String preset = f.length > 4 && !f[4].isBlank() ? f[4].strip() : null;
                rungs.add(new Rung(height, bitrate, max, buffer, preset, f.length > 5 ? f[5] : ""));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(name + ": rung '" + item.strip() + "' is not"
                        + " height:bitrate[:maxrate[:buffer[:preset[:x264-options]]]], e.g. 720:870k:1305k:1740k", e);
            }
        }
        if (rungs.isEmpty()) {
            throw new IllegalArgumentException(name + " has no rungs");
        }
        return rungs;
    }

    /** {@code 870}, {@code 870k} and {@code 0.87M} are all 870 kbit/s. */
    static int kbps(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.endsWith("m")) {
            return (int) Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000);
        }
        return Integer.parseInt(v.endsWith("k") ? v.substring(0, v.length() - 1) : v);
    }
}
