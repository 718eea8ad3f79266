package io.hlsfleet.storage.s3;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A bucket and a key prefix, parsed from {@code s3://bucket/prefix}. Every key the stores write
 * goes through {@link #key}, which refuses keys that would escape the prefix ({@code ..}, empty
 * segments, a leading slash): S3 itself treats {@code a/../b} as a literal name, but a store that
 * maps keys to files (S3Proxy's filesystem backend, MinIO in filesystem mode) or a CDN that
 * normalizes URLs would not, so such keys are never written.
 *
 * @param bucket the bucket name, as S3 requires it: 3 to 63 lower-case letters, digits, dots, hyphens
 * @param prefix the key prefix without leading or trailing slash; empty for the bucket's root
 */
public record S3Location(String bucket, String prefix) {

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public S3Location {
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException("'" + bucket + "' is not a valid bucket name");
        }
        if (!prefix.isEmpty()) {
            checkKey(prefix);
        }
    }

    /** Parses {@code s3://bucket}, {@code s3://bucket/} or {@code s3://bucket/some/prefix/}. */
    public static S3Location parse(String location) {
        if (!location.toLowerCase(Locale.ROOT).startsWith("s3://")) {
            throw new IllegalArgumentException("'" + location + "' is not of the form s3://bucket/prefix");
        }
        String rest = location.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        try {
            return new S3Location(bucket, prefix);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + location + "': " + e.getMessage(), e);
        }
    }

    /** The full object key of {@code relative} under this prefix. */
    public String key(String relative) {
        checkKey(relative);
        return prefix.isEmpty() ? relative : prefix + "/" + relative;
    }

    /** The key prefix of everything at this location: empty, or the prefix and a slash. */
    public String root() {
        return prefix.isEmpty() ? "" : prefix + "/";
    }

    /** The key prefix that lists everything under {@code relative}, ending in a slash. */
    public String directory(String relative) {
        return key(relative) + "/";
    }

    /** {@code s3://bucket/prefix}, for logs. */
    public String uri() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    private static void checkKey(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.endsWith("/") || key.indexOf('\\') >= 0
                || key.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("key '" + key + "' is not a clean relative key");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("key '" + key + "' leaves its prefix");
            }
        }
    }
}
