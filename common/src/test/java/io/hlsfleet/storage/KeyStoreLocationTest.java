package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.config.Settings;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key store is compared with the public bucket as a location, not as a string, and refused at
 * start-up when it lies inside it.
 */
class KeyStoreLocationTest {

    @TempDir
    Path dir;

    @Test
    void aKeyStoreInsideThePublicBucketOrHoldingItOverlaps() {
        assertThat(KeyStore.overlaps("s3://cdn/hls/keys", "s3://cdn/hls")).isTrue();
        assertThat(KeyStore.overlaps("s3://cdn/hls/keys/", "s3://cdn/hls/")).isTrue();
        assertThat(KeyStore.overlaps("s3://cdn/hls", "s3://cdn/hls")).isTrue();
        assertThat(KeyStore.overlaps("s3://cdn", "s3://cdn/hls")).isTrue();
        assertThat(KeyStore.overlaps(dir.resolve("cdn/keys").toUri().toString(), dir.resolve("cdn").toString()))
                .isTrue();
        assertThat(KeyStore.overlaps(dir.resolve("cdn/./x/../keys").toString(), "file:" + dir.resolve("cdn")))
                .isTrue();
    }

    @Test
    void neighboursDoNotOverlap() {
        assertThat(KeyStore.overlaps("s3://cdn/hls-keys", "s3://cdn/hls")).isFalse();
        assertThat(KeyStore.overlaps("s3://keys/hls", "s3://cdn/hls")).isFalse();
        assertThat(KeyStore.overlaps(dir.resolve("keys").toString(), dir.resolve("cdn").toString())).isFalse();
        assertThat(KeyStore.overlaps("s3://cdn/keys", dir.resolve("cdn").toString())).isFalse();
    }

    @Test
    void thePublicBucketIsRefusedAsKeyStoreUnlessAllowed() throws Exception {
        Path bucket = dir.resolve("bucket");
        Map<String, String> env = Map.of(
                "HLSFLEET_ENCRYPTION", "aes-128",
                "HLSFLEET_ENCRYPTION_KEY_STORE", bucket.resolve("keys").toUri().toString(),
                "HLSFLEET_BUCKET", bucket.toString());
        assertThatThrownBy(() -> KeyStore.from(Settings.of(env))).hasMessageContaining("public bucket");
        Map<String, String> allowed = new HashMap<>(env);
        allowed.put("HLSFLEET_ENCRYPTION_KEYS_IN_BUCKET", "true");
        assertThat(KeyStore.from(Settings.of(allowed))).isNotNull();
        assertThatThrownBy(() -> KeyStore.from(Settings.of(Map.of("HLSFLEET_ENCRYPTION", "aes-128"))))
                .hasMessageContaining("HLSFLEET_ENCRYPTION_KEY_STORE");
        assertThat(KeyStore.from(Settings.of(Map.of()))).as("no encryption, no key store").isNull();
    }
}
