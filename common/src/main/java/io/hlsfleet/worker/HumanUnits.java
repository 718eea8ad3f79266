package io.hlsfleet.worker;

import java.time.Duration;
import java.util.Locale;

/** Sizes and durations as the reasons and progress lines a person reads show them. */
public final class HumanUnits {

    private HumanUnits() {
    }

    /** A timeout or a wait: {@code 500 ms}, {@code 90 s}, {@code 5 min}. */
    public static String duration(Duration duration) {
        long s = duration.toSeconds();
        return s >= 120 ? s / 60 + " min" : s > 0 ? s + " s" : duration.toMillis() + " ms";
    }

    /** The length of a video: {@code 45 s}, {@code 3 min 05 s}, {@code 2 h 00 min}. */
    public static String mediaLength(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
    }

    /** A byte count: {@code 12.3 MiB}. */
    public static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
