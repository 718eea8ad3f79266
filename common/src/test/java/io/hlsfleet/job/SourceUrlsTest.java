package io.hlsfleet.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SourceUrlsTest {

    @Test
    void queryUserInfoAndFragmentAreRedacted() {
        assertThat(SourceUrls.redact("https://user:pw@cdn.example:8443/v/a.mp4?X-Amz-Signature=abc&e=1#t=tok"))
                .isEqualTo("https://REDACTED@cdn.example:8443/v/a.mp4?REDACTED#REDACTED");
        assertThat(SourceUrls.redact("https://cdn.example?sig=1")).isEqualTo("https://cdn.example?REDACTED");
        assertThat(SourceUrls.redact("s3://bucket/clips/a.mp4")).isEqualTo("s3://bucket/clips/a.mp4");
        assertThat(SourceUrls.redact("/local/path?.mp4")).isEqualTo("/local/path?.mp4");
    }

    @Test
    void urlsInsideTextAreRedacted() {
        assertThat(SourceUrls.redactText(
                "the origin answered HTTP 403 for https://o.example/a.mp4?sig=s3cr3t, expected 200"))
                .isEqualTo("the origin answered HTTP 403 for https://o.example/a.mp4?REDACTED, expected 200");
        assertThat(SourceUrls.redactText("{\"sourceUrl\":\"http://u:p@o.example/a?k=v\"}"))
                .isEqualTo("{\"sourceUrl\":\"http://REDACTED@o.example/a?REDACTED\"}");
    }

    @Test
    void exceptionChainsAreCopiedWithRedactedMessagesAndTheirStackTraces() {
        var cause = new java.io.IOException("reset by https://o.example/a?sig=s3cr3t");
        var error = new IllegalStateException("download of https://o.example/a?sig=s3cr3t failed", cause);
        Throwable redacted = SourceUrls.redact(error);
        assertThat(redacted.toString()).isEqualTo(
                "java.lang.IllegalStateException: download of https://o.example/a?REDACTED failed");
        assertThat(redacted.getCause().toString()).doesNotContain("s3cr3t").startsWith("java.io.IOException");
        assertThat(redacted.getStackTrace()).isEqualTo(error.getStackTrace());
    }
}
