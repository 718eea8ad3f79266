package io.hlsfleet.encode;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Optional AES-128 segment encryption ({@code HLSFLEET_ENCRYPTION*}, see {@link SegmentEncryption}).
 *
 * @param encryption {@code none} or {@code aes-128}
 * @param encryptionKeyUri the key's URL in the playlists, with {@code {videoId}}
 * @param encryptionKeyStore where keys are written: a directory or {@code s3://bucket/prefix}
 * @param encryptionKeysInBucket accept a key store that is the public bucket
 */
@ConfigurationProperties("hlsfleet")
public record EncryptionProperties(
        @DefaultValue("none") String encryption,
        String encryptionKeyUri,
        String encryptionKeyStore,
        @DefaultValue("false") boolean encryptionKeysInBucket) {

    public EncryptionProperties {
        encryptionKeyUri = encryptionKeyUri == null || encryptionKeyUri.isBlank() ? null : encryptionKeyUri.strip();
        encryptionKeyStore = encryptionKeyStore == null || encryptionKeyStore.isBlank() ? null
                : encryptionKeyStore.strip();
    }
}
