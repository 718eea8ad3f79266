package io.hlsfleet.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Optional AES-128 segment encryption ({@code HLSFLEET_ENCRYPTION*}): the encoder encrypts with a
 * key per ladder, the upload stage writes that key to the key store when it publishes the ladder
 * ({@link io.hlsfleet.storage.KeyStore}).
 *
 * @param encryption {@code none} or {@code aes-128}
 * @param encryptionKeyUri the key's URL in the playlists, with {@code {videoId}} and {@code {generation}}
 * @param encryptionKeyStore where keys are written, as {@code <videoId>/<generation>.key}: a
 *     directory or {@code s3://bucket/prefix}
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
