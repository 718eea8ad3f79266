package io.hlsfleet.encode;

import io.hlsfleet.config.EncryptionProperties;
import io.hlsfleet.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Optional AES-128 encryption of a ladder's segments ({@code HLSFLEET_ENCRYPTION=aes-128}), as
 * HLS defines it: each whole segment encrypted with AES-128-CBC and PKCS#7 padding, one fresh
 * random key and IV per ladder, and {@code #EXT-X-KEY:METHOD=AES-128,URI=…,IV=…} in every variant
 * playlist.
 *
 * <p>Segments are encrypted after ffmpeg wrote them and after their codecs were read, so the
 * encoder and the checks of the ladder work on plain video. Each ladder is one generation of its
 * video with a key of its own: its URL in the playlists comes from
 * {@code HLSFLEET_ENCRYPTION_KEY_URI} with {@code {videoId}} and {@code {generation}} filled in (for
 * example {@code https://keys.example.com/{videoId}/{generation}.key}, served by a key service that
 * checks who asks), and the key is staged beside the ladder. The upload stage writes it to the key
 * store only when it publishes the ladder ({@link io.hlsfleet.storage.KeyStore}), so a re-encode that
 * fails, or that is never published, changes no key a player uses. Only MPEG-TS segments are
 * encrypted this way.
 */
public final class SegmentEncryption {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final SegmentEncryption DISABLED = new SegmentEncryption(null);

    static final String GENERATION = "{generation}";

    private final String keyUriTemplate;

    SegmentEncryption(String keyUriTemplate) {
        this.keyUriTemplate = keyUriTemplate;
    }

    public static SegmentEncryption disabled() {
        return DISABLED;
    }

    public static SegmentEncryption from(Settings settings, Container container) {
        EncryptionProperties encryption = settings.bind(EncryptionProperties.class);
        String mode = encryption.encryption().strip().toLowerCase(Locale.ROOT);
        if (mode.equals("none")) {
            return DISABLED;
        }
        if (!mode.equals("aes-128")) {
            throw new IllegalArgumentException("HLSFLEET_ENCRYPTION=" + mode + " is not one of none, aes-128");
        }
        if (container != Container.MPEGTS) {
            throw new IllegalArgumentException("HLSFLEET_ENCRYPTION=aes-128 works with HLSFLEET_ENCODE_CONTAINER=ts only");
        }
        String uri = encryption.encryptionKeyUri();
        if (uri == null) {
            throw new IllegalArgumentException("HLSFLEET_ENCRYPTION=aes-128 needs HLSFLEET_ENCRYPTION_KEY_URI (the key's URL "
                    + "in the playlists, with {videoId} and {generation})");
        }
        if (!uri.contains(GENERATION)) {
            // One URL for every generation would hand players of an older ladder the newer key.
            throw new IllegalArgumentException("HLSFLEET_ENCRYPTION_KEY_URI=" + uri + " must contain " + GENERATION
                    + ": each publication of a video has a key of its own");
        }
        return new SegmentEncryption(uri);
    }

    public boolean enabled() {
        return keyUriTemplate != null;
    }

    /** A fresh key and IV for one generation of one video. */
    public VideoKey newKey(String videoId, String generation) {
        byte[] key = new byte[16];
        byte[] iv = new byte[16];
        RANDOM.nextBytes(key);
        RANDOM.nextBytes(iv);
        return new VideoKey(videoId, key, iv,
                keyUriTemplate.replace("{videoId}", videoId).replace(GENERATION, generation));
    }

    /**
     * The key of one generation of one video.
     *
     * @param uri what the playlists name as the key's location
     */
    public record VideoKey(String videoId, byte[] key, byte[] iv, String uri) {

        /** Writes the key's 16 bytes to a new file that only its owner can read. */
        Path writeTo(Path file) throws IOException {
            return Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------"))), key);
        }

        /** Encrypts every segment of one variant in place and adds the key line to its playlist. */
        void encryptVariant(Path variantDir) throws IOException {
            Path playlist = variantDir.resolve("index.m3u8");
            List<String> lines = Files.readAllLines(playlist, StandardCharsets.UTF_8);
            List<String> out = new ArrayList<>();
            boolean keyWritten = false;
            for (String line : lines) {
                if (!keyWritten && line.startsWith("#EXTINF")) {
                    out.add("#EXT-X-KEY:METHOD=AES-128,URI=\"" + uri + "\",IV=0x" + HexFormat.of().formatHex(iv));
                    keyWritten = true;
                }
                if (!line.isBlank() && !line.startsWith("#")) {
                    encryptFile(variantDir.resolve(line.strip()));
                }
                out.add(line);
            }
            Files.write(playlist, out, StandardCharsets.UTF_8);
        }

        private void encryptFile(Path segment) throws IOException {
            Path encrypted = segment.resolveSibling(segment.getFileName() + ".enc");
            try {
                Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
                try (var in = Files.newInputStream(segment);
                     var sink = new javax.crypto.CipherOutputStream(Files.newOutputStream(encrypted), cipher)) {
                    in.transferTo(sink);
                }
                Files.move(encrypted, segment, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (GeneralSecurityException e) {
                throw new IOException("AES-128 is not available in this JVM", e);
            } finally {
                Files.deleteIfExists(encrypted);
            }
        }
    }
}
