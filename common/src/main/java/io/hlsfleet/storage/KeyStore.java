package io.hlsfleet.storage;

import io.hlsfleet.config.EncryptionProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.config.StorageProperties;
import io.hlsfleet.storage.s3.S3Location;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The private store of AES-128 keys ({@code HLSFLEET_ENCRYPTION_KEY_STORE}). A key belongs to one
 * generation of one video and is named {@code <videoId>/<generation>.key}; the upload stage writes
 * it when it publishes that generation, just before the master playlist names it, and removes it
 * with the generation. Keys never get the bucket's ACL ({@link Stores#privateStore}), and a store
 * inside the public bucket (or holding it) is refused at start-up unless
 * {@code HLSFLEET_ENCRYPTION_KEYS_IN_BUCKET=true}: a key next to its segments protects nothing.
 */
public final class KeyStore {

    private final ObjectStore store;

    KeyStore(ObjectStore store) {
        this.store = store;
    }

    /**
     * The key store the settings name, or null when none is set (then an encrypted ladder cannot
     * be published).
     *
     * @throws IllegalArgumentException if encryption is on without a store, or the store lies in
     *     the public bucket
     */
    public static KeyStore from(Settings settings) throws IOException {
        EncryptionProperties encryption = settings.bind(EncryptionProperties.class);
        String location = encryption.encryptionKeyStore();
        if (location == null) {
            if (!encryption.encryption().strip().equalsIgnoreCase("none")) {
                throw new IllegalArgumentException("HLSFLEET_ENCRYPTION=" + encryption.encryption()
                        + " needs HLSFLEET_ENCRYPTION_KEY_STORE: the upload stage writes each ladder's key there");
            }
            return null;
        }
        String bucket = settings.bind(StorageProperties.class).bucket();
        if (overlaps(location, bucket) && !encryption.encryptionKeysInBucket()) {
            throw new IllegalArgumentException("HLSFLEET_ENCRYPTION_KEY_STORE is inside the public bucket (or holds it): "
                    + "anyone could fetch the keys. Use a private store, or set HLSFLEET_ENCRYPTION_KEYS_IN_BUCKET=true"
                    + " to accept that");
        }
        return new KeyStore(Stores.privateStore("HLSFLEET_ENCRYPTION_KEY_STORE", location, settings));
    }

    /** The name of a generation's key in the store. */
    public static String keyName(String videoId, String generation) {
        return videoId + "/" + generation + ".key";
    }

    /** Writes the key of {@code generation}; {@code keyFile} holds its 16 bytes. */
    public void publish(String videoId, String generation, Path keyFile) throws IOException {
        store.put(keyName(videoId, generation), keyFile, ContentTypes.KEY);
    }

    /** Removes the keys of generations that are no longer published. */
    public void remove(String videoId, List<String> generations) throws IOException {
        store.delete(generations.stream().map(generation -> keyName(videoId, generation)).toList());
    }

    public ObjectStore store() {
        return store;
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
}
