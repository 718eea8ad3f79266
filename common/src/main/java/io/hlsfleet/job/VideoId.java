package io.hlsfleet.job;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Derives the id under which a video is published from its source URL.
 *
 * <p>The id is deterministic (the same URL always maps to the same id, which makes duplicate
 * detection and idempotent publishing possible), readable (it starts with the file name) and safe
 * as a path segment and object-key segment: only {@code [a-z0-9-]}, never empty, at most
 * {@value #MAX_LENGTH} characters. A short hash of the whole URL keeps two videos with the same
 * file name apart.
 */
public final class VideoId {

    public static final int MAX_LENGTH = 64;
    private static final int NAME_LENGTH = MAX_LENGTH - 9;
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern NOT_NAME = Pattern.compile("[^a-z0-9]+");

    private VideoId() {
    }

    public static String fromSource(String source) {
        String name = readableName(source);
        return name + "-" + shortHash(source.strip());
    }

    /**
     * The id of a video found on a web page: readable from the site's own id, hashed over the
     * extractor and that id, so every URL that leads to the same video gives the same id.
     */
    public static String fromPage(String extractor, String siteId) {
        String key = extractor.toLowerCase(Locale.ROOT) + ":" + siteId;
        return readable(siteId) + "-" + shortHash(key);
    }

    /** True if {@code id} can be used as one path or key segment without escaping its folder. */
    public static boolean isSafe(String id) {
        return id != null && SAFE.matcher(id).matches() && !id.contains("..");
    }

    private static String readableName(String source) {
        String path = source.strip();
        try {
            URI uri = URI.create(path);
            if (uri.getRawPath() != null && uri.getScheme() != null) {
                path = uri.getRawPath();
            }
        } catch (IllegalArgumentException notAUri) {
            // A local path or a malformed URL: use the text as it is.
        }
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        String last = path.substring(slash + 1);
        try {
            last = URLDecoder.decode(last, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            // Keep the raw text; the filter below removes anything unsafe.
        }
        int dot = last.lastIndexOf('.');
        if (dot > 0) {
            last = last.substring(0, dot);
        }
        return readable(last);
    }

    /** {@code text} reduced to lower-case letters, digits and single dashes, never empty. */
    private static String readable(String text) {
        String ascii = Normalizer.normalize(text, Normalizer.Form.NFKD).toLowerCase(Locale.ROOT);
        String name = NOT_NAME.matcher(ascii).replaceAll("-").replaceAll("^-+|-+$", "");
        if (name.length() > NAME_LENGTH) {
            name = name.substring(0, NAME_LENGTH).replaceAll("-+$", "");
        }
        return name.isEmpty() ? "video" : name;
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is part of every JDK", impossible);
        }
    }
}
