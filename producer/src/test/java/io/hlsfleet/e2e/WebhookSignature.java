package io.hlsfleet.e2e;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The check a webhook receiver makes, written as the README shows it, apart from the sender's own code. */
final class WebhookSignature {

    private WebhookSignature() {
    }

    /**
     * Whether {@code signature} is {@code sha256=} and the HMAC-SHA256, keyed by {@code secret}, of
     * the timestamp, a dot and the body, and the timestamp is within five minutes of now.
     */
    static boolean valid(String secret, String timestamp, String signature, byte[] body)
            throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        boolean fresh = Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp)) <= 300;
        return fresh && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                signature.getBytes(StandardCharsets.UTF_8));
    }
}
