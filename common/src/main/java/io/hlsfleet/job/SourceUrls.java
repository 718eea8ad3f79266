package io.hlsfleet.job;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the secrets a source URL may carry out of everything but the download itself. A presigned
 * URL's signature sits in its query, a basic-auth password in its user info, and some services put
 * tokens in the fragment: all three are replaced by {@value #REDACTED} wherever a URL is logged,
 * dead-lettered, recorded as status or handed to a later stage. Scheme, host and path stay, so a
 * person can still tell which video it was.
 */
public final class SourceUrls {

    public static final String REDACTED = "REDACTED";
    /** A URL in prose: up to white space or a quote, without the punctuation that may follow it. */
    private static final Pattern URL_IN_TEXT =
            Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://[^\\s\"'<>`]*[^\\s\"'<>`.,;:)\\]]");

    private SourceUrls() {
    }

    /** {@code url} without the secrets of its user info, query and fragment; other text unchanged. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            return url;
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = indexOfAny(url, "/?#", authorityStart);
        String authority = url.substring(authorityStart, authorityEnd);
        int at = authority.lastIndexOf('@');
        StringBuilder redacted = new StringBuilder(url.substring(0, authorityStart));
        redacted.append(at < 0 ? authority : REDACTED + authority.substring(at));
        String rest = url.substring(authorityEnd);
        int query = indexOfAny(rest, "?#", 0);
        redacted.append(rest, 0, query);
        if (query < rest.length()) {
            int fragment = rest.indexOf('#', query);
            if (rest.charAt(query) == '?') {
                redacted.append('?').append(REDACTED);
            }
            if (fragment >= 0) {
                redacted.append('#').append(REDACTED);
            }
        }
        return redacted.toString();
    }

    /** {@code text} with every URL in it {@linkplain #redact redacted}: for reasons and raw bodies. */
    public static String redactText(String text) {
        if (text == null || !text.contains("://")) {
            return text;
        }
        Matcher urls = URL_IN_TEXT.matcher(text);
        StringBuilder out = new StringBuilder();
        while (urls.find()) {
            urls.appendReplacement(out, Matcher.quoteReplacement(redact(urls.group())));
        }
        urls.appendTail(out);
        return out.toString();
    }

    /**
     * A copy of {@code error}'s chain with every message {@linkplain #redactText redacted} and the
     * stack traces kept, so a failure can be logged or traced without the URL's secrets.
     */
    public static Throwable redact(Throwable error) {
        if (error == null) {
            return null;
        }
        String message = error.getMessage();
        Throwable copy = new RedactedThrowable(error.getClass().getName()
                + (message == null ? "" : ": " + redactText(message)), redact(error.getCause()));
        copy.setStackTrace(error.getStackTrace());
        return copy;
    }

    private static int indexOfAny(String text, String characters, int from) {
        for (int i = from; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return text.length();
    }

    /** Stands in for an exception whose message was redacted; prints as the original would. */
    private static final class RedactedThrowable extends Exception {
        private final String text;

        RedactedThrowable(String text, Throwable cause) {
            super(text, cause);
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
