package io.hlsfleet.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a webhook proves where it comes from and when it was sent. Every try carries the Unix time
 * it was sent in {@value #TIMESTAMP_HEADER}, and in {@value #SIGNATURE_HEADER} {@code sha256=}
 * followed by the hex HMAC-SHA256, keyed with {@code HLSFLEET_WEBHOOK_SECRET}, of the timestamp, a
 * dot and the body exactly as received. A receiver recomputes it, compares in constant time, and
 * refuses a timestamp further than its replay window (we suggest {@link #REPLAY_WINDOW}) from its
 * own clock, so a captured request cannot be played again later.
 */
public final class WebhookSignature {

    public static final String SIGNATURE_HEADER = "X-Hlsfleet-Signature";
    public static final String TIMESTAMP_HEADER = "X-Hlsfleet-Timestamp";
    /** The window a receiver should accept timestamps in, either side of its clock. */
    public static final Duration REPLAY_WINDOW = Duration.ofMinutes(5);
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    public WebhookSignature(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The {@value #SIGNATURE_HEADER} value of {@code body} sent at {@code timestamp} (Unix seconds). */
    public String sign(long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * True if {@code signature} is this key's over {@code timestamp} and {@code body}, and the
     * timestamp lies within {@code window} of {@code now}: what a receiver checks.
     */
    public boolean verify(String timestamp, byte[] body, String signature, Instant now, Duration window) {
        long sentAt;
        try {
            sentAt = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException | NullPointerException e) {
            return false;
        }
        if (signature == null || Math.abs(now.getEpochSecond() - sentAt) > window.toSeconds()) {
            return false;
        }
        return MessageDigest.isEqual(sign(sentAt, body).getBytes(StandardCharsets.US_ASCII),
                signature.strip().getBytes(StandardCharsets.US_ASCII));
    }
}
