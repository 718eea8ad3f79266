package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContentTypesTest {

    @Test
    void contentTypesPerFile() {
        assertThat(ContentTypes.of("master.m3u8").contentType()).isEqualTo("application/vnd.apple.mpegurl");
        assertThat(ContentTypes.of("seg_00001.ts").contentType()).isEqualTo("video/mp2t");
        assertThat(ContentTypes.of("seg_00001.ts").cacheControl()).contains("immutable");
        assertThat(ContentTypes.of("init.mp4").contentType()).isEqualTo("video/mp4");
        assertThat(ContentTypes.of("seg_1.m4s").contentType()).isEqualTo("video/iso.segment");
        assertThat(ContentTypes.of("seg_00001.vtt").contentType()).isEqualTo("text/vtt; charset=utf-8");
        assertThat(ContentTypes.of("seg_00001.vtt").cacheControl()).contains("immutable");
    }
}
