package io.hlsfleet.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class VideoIdTest {

    @Test
    void readableNameWithShortHashSuffix() {
        String id = VideoId.fromSource("https://cdn.example.com/media/My%20Holiday%20Film.MP4?sig=abc");
        assertThat(id).matches("my-holiday-film-[0-9a-f]{8}");
    }

    @Test
    void sameUrlSameIdOtherUrlOtherId() {
        String a = VideoId.fromSource("https://a.example/clip.mp4");
        assertThat(VideoId.fromSource("https://a.example/clip.mp4")).isEqualTo(a);
        assertThat(VideoId.fromSource("https://b.example/clip.mp4")).isNotEqualTo(a).startsWith("clip-");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "https://x.example/../../etc/passwd",
        "https://x.example/%2e%2e%2f%2e%2e%2fsecret.mp4",
        "https://x.example/a%00b.mp4",
        "https://x.example/%0d%0aheader.mp4",
        "https://x.example/",
        "/tmp/../../video.mkv",
        "https://x.example/\u00e9t\u00e9\u4e2d\u6587.mp4"
    })
    void hostileNamesStaySafeSegments(String url) {
        String id = VideoId.fromSource(url);
        assertThat(VideoId.isSafe(id)).isTrue();
        assertThat(id).matches("[a-z0-9-]+").doesNotContain("..").doesNotContain("/");
        assertThat(id.length()).isLessThanOrEqualTo(VideoId.MAX_LENGTH);
    }

    @Test
    void veryLongNamesAreBounded() {
        String id = VideoId.fromSource("https://x.example/" + "a".repeat(1200) + ".mp4");
        assertThat(id.length()).isLessThanOrEqualTo(VideoId.MAX_LENGTH);
        assertThat(id).matches("a+-[0-9a-f]{8}");
    }

    @Test
    void emptyNameFallsBackToVideo() {
        assertThat(VideoId.fromSource("https://x.example/")).matches("video-[0-9a-f]{8}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/b", "", ".hidden", "a\u0000b", "a b"})
    void unsafeIdsAreRejected(String id) {
        assertThat(VideoId.isSafe(id)).isFalse();
    }
}
