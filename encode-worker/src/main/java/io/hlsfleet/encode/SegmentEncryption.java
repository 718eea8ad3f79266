package io.hlsfleet.encode;

import io.hlsfleet.config.Settings;
import io.hlsfleet.config.StorageProperties;
import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.Stores;
import io.hlsfleet.storage.s3.S3Location;
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
 * random key and IV per video, and {@code #EXT-X-KEY:METHOD=AES-128,URI=…,IV=…} in every variant
 * playlist.
 *
 * <p>Segments are encrypted after ffmpeg wrote them and after their codecs were read, so the
 * encoder and the checks of the ladder work on plain video. The key goes to its own store
 * ({@code HLSFLEET_ENCRYPTION_KEY_STORE}), named {@code <videoId>.key}, and its URL in the
 * playlists comes from {@code HLSFLEET_ENCRYPTION_KEY_URI} (for example
 * {@code https://keys.example.com/{videoId}.key}, served by a key server that checks who asks). The
 * public bucket is refused as key store unless {@code HLSFLEET_ENCRYPTION_KEYS_IN_BUCKET=true}:
 * a key next to its segments protects nothing. Only MPEG-TS segments are encrypted this way.
 */
public final class SegmentEncryption {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final SegmentEncryption DISABLED = new SegmentEncryption(null, null);

    private final String keyUriTemplate;
    private final ObjectStore keyStore;

    SegmentEncryption(String keyUriTemplate, ObjectStore keyStore) {
        this.keyUriTemplate = keyUriTemplate;
        this.keyStore = keyStore;
    }

    public static SegmentEncryption disabled() {
        return DISABLED;
    }

    public static SegmentEncryption from(Settings settings, Container container) throws IOException {
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
        String store = encryption.encryptionKeyStore();
        if (uri == null || store == null) {
            throw new IllegalArgumentException("HLSFLEET_ENCRYPTION=aes-128 needs HLSFLEET_ENCRYPTION_KEY_URI (the key's URL "
                    + "in the playlists, with {videoId}) and HLSFLEET_ENCRYPTION_KEY_STORE (where keys are written)");
        }
        String bucket = settings.bind(StorageProperties.class).bucket();
        if (overlaps(store, bucket) && !encryption.encryptionKeysInBucket()) {
            throw new IllegalArgumentException("HLSFLEET_ENCRYPTION_KEY_STORE is inside the public bucket (or holds it): "
                    + "anyone could fetch the keys. Use a private store, or set HLSFLEET_ENCRYPTION_KEYS_IN_BUCKET=true"
                    + " to accept that");
        }
        return new SegmentEncryption(uri, Stores.privateStore("HLSFLEET_ENCRYPTION_KEY_STORE", store, settings));
    }

    /**
     * True if one location lies inside the other, compared as locations rather than strings: the
     * same bucket with one key prefix a path prefix of the other ({@code s3://cdn/hls/keys} lies in
     * {@code s3://cdn/hls}), or one directory inside the other once both are absolute and normalized.
     */
    static boolean overlaps(String a, String b) {
        boolean s3 = isS3(a);
        if (s3 != isS3(b)) {
            return false;
        }
        if (s3) {
            S3Location x = S3Location.parse(a.strip());
            S3Location y = S3Location.parse(b.strip());
            return x.bucket().equals(y.bucket()) && (within(x.prefix(), y.prefix()) || within(y.prefix(), x.prefix()));
        }
        Path x = localPath(a);
        Path y = localPath(b);
        return x.startsWith(y) || y.startsWith(x);
    }

    private static boolean isS3(String location) {
        return location.strip().toLowerCase(Locale.ROOT).startsWith("s3://");
    }

    private static boolean within(String prefix, String outer) {
        return outer.isEmpty() || prefix.equals(outer) || prefix.startsWith(outer + "/");
    }

    private static Path localPath(String location) {
        String value = location.strip();
        if (value.startsWith("file:")) {
            value = value.replaceFirst("^file:(//)?", "");
        }
        return Path.of(value).toAbsolutePath().normalize();
    }

    public boolean enabled() {
        return keyStore != null;
    }

    /** A fresh key and IV for one video. */
    public VideoKey newKey(String videoId) {
        byte[] key = new byte[16];
        byte[] iv = new byte[16];
        RANDOM.nextBytes(key);
        RANDOM.nextBytes(iv);
        return new VideoKey(videoId, key, iv, keyUriTemplate.replace("{videoId}", videoId));
    }

    /** Writes the key where configuration says; called before the ladder is handed on. */
    public void storeKey(VideoKey key, Path scratch) throws IOException {
        Path file = scratch.resolve(key.videoId() + ".key");
        Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))), key.key());
        try {
            keyStore.put(key.videoId() + ".key", file, ContentTypes.KEY);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * The key of one video.
     *
     * @param uri what the playlists name as the key's location
     */
    public record VideoKey(String videoId, byte[] key, byte[] iv, String uri) {

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
