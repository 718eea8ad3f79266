package io.hlsfleet.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    private static final byte[] BODY = "{\"type\":\"published\"}".getBytes(StandardCharsets.UTF_8);
    private final WebhookSignature signature = new WebhookSignature("site secret");

    @Test
    void signsTheTimestampADotAndTheBody() {
        // printf '%s' '1700000000.{"type":"published"}' | openssl dgst -sha256 -hmac 'site secret'
        assertThat(signature.sign(1_700_000_000L, BODY))
                .isEqualTo("sha256=ec90925100c3f6087016b52bd758aa89532543354ba2df2c7d094cb6880c0fde");
    }

    @Test
    void aReceiverAcceptsOnlyTheRightSignatureWithinItsWindow() {
        Instant sent = Instant.ofEpochSecond(1_700_000_000L);
        String valid = signature.sign(sent.getEpochSecond(), BODY);
        Duration window = WebhookSignature.REPLAY_WINDOW;

        assertThat(signature.verify("1700000000", BODY, valid, sent.plusSeconds(30), window)).isTrue();
        assertThat(signature.verify("1700000000", BODY, valid, sent.plus(window).plusSeconds(1), window)).isFalse();
        assertThat(signature.verify("1700000001", BODY, valid, sent, window)).isFalse();
        assertThat(signature.verify("1700000000", "{\"type\":\"dead\"}".getBytes(StandardCharsets.UTF_8), valid, sent,
                window)).isFalse();
        assertThat(new WebhookSignature("other").verify("1700000000", BODY, valid, sent, window)).isFalse();
        assertThat(signature.verify("soon", BODY, valid, sent, window)).isFalse();
    }
}
