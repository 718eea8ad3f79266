package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key store is compared with the public bucket as a location, not as a string. */
class KeyStoreLocationTest {

    @TempDir
    Path dir;

    @Test
    void aKeyStoreInsideThePublicBucketOrHoldingItOverlaps() {
        assertThat(SegmentEncryption.overlaps("s3://cdn/hls/keys", "s3://cdn/hls")).isTrue();
        assertThat(SegmentEncryption.overlaps("s3://cdn/hls/keys/", "s3://cdn/hls/")).isTrue();
        assertThat(SegmentEncryption.overlaps("s3://cdn/hls", "s3://cdn/hls")).isTrue();
        assertThat(SegmentEncryption.overlaps("s3://cdn", "s3://cdn/hls")).isTrue();
        assertThat(SegmentEncryption.overlaps(dir.resolve("cdn/keys").toUri().toString(), dir.resolve("cdn").toString()))
                .isTrue();
        assertThat(SegmentEncryption.overlaps(dir.resolve("cdn/./x/../keys").toString(), "file:" + dir.resolve("cdn")))
                .isTrue();
    }

    @Test
    void neighboursDoNotOverlap() {
        assertThat(SegmentEncryption.overlaps("s3://cdn/hls-keys", "s3://cdn/hls")).isFalse();
        assertThat(SegmentEncryption.overlaps("s3://keys/hls", "s3://cdn/hls")).isFalse();
        assertThat(SegmentEncryption.overlaps(dir.resolve("keys").toString(), dir.resolve("cdn").toString())).isFalse();
        assertThat(SegmentEncryption.overlaps("s3://cdn/keys", dir.resolve("cdn").toString())).isFalse();
    }
}
