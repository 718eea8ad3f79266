package io.hlsfleet.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Typed access to configuration given as environment-style names ({@code HLSFLEET_BROKER}). The
 * CLI reads the process environment; the workers read Spring's {@code Environment}, which also
 * sees system properties and {@code application.properties}. Every bad value fails at start-up
 * with the name of the variable.
 */
public final class Settings {

    private final Function<String, String> lookup;

    public Settings(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    public static Settings fromEnvironment() {
        return new Settings(System::getenv);
    }

    public String string(String name, String fallback) {
        String value = lookup.apply(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    public int integer(String name, int fallback) {
        String value = string(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a whole number");
        }
    }

    public long bytes(String name, long fallback) {
        String value = string(name, null);
        return value == null ? fallback : parseBytes(name, value);
    }

    public boolean bool(String name, boolean fallback) {
        String value = string(name, null);
        return value == null ? fallback : Boolean.parseBoolean(value);
    }

    public Duration duration(String name, Duration fallback) {
        String value = string(name, null);
        return value == null ? fallback : parseDuration(name, value);
    }

    public List<String> list(String name, List<String> fallback) {
        String value = string(name, null);
        if (value == null) {
            return fallback;
        }
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    public List<Duration> durations(String name, List<Duration> fallback) {
        String value = string(name, null);
        return value == null ? fallback : list(name, List.of()).stream().map(v -> parseDuration(name, v)).toList();
    }

    /** Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h} or ISO-8601 ({@code PT10S}). */
    public static Duration parseDuration(String name, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("pt") || v.startsWith("p")) {
                return Duration.parse(value.strip().toUpperCase(Locale.ROOT));
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long amount = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> Duration.ofSeconds(Long.parseLong(v));
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a duration (examples: 500ms, 10s, 5m, 2h)");
        }
    }

    /** Parses {@code 1024}, {@code 512k}, {@code 20g}, {@code 20GiB}. */
    public static long parseBytes(String name, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        try {
            char unit = v.charAt(v.length() - 1);
            long factor = switch (unit) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                case 'g' -> 1L << 30;
                case 't' -> 1L << 40;
                default -> 1;
            };
            String number = factor == 1 ? v : v.substring(0, v.length() - 1);
            return Long.parseLong(number.strip()) * factor;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a size (examples: 512k, 100m, 20g)");
        }
    }
}
