package io.hlsfleet.storage.s3;

import java.util.Locale;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;

/**
 * How the bytes of every put and part are protected on their way to the store
 * ({@code HLSFLEET_S3_INTEGRITY}). AWS S3 and current S3-compatible stores verify the SDK's
 * flexible checksums (CRC32); many on-premise and third-party stores predate them and refuse
 * their headers, but every one of them verifies {@code Content-MD5}.
 */
public enum S3Integrity {

    /**
     * CRC32 on every put and part, and the stored checksum validated on download, as the SDK does
     * by default. The SDK's own {@code AWS_REQUEST_CHECKSUM_CALCULATION} /
     * {@code AWS_RESPONSE_CHECKSUM_VALIDATION} (or the profile's {@code request_checksum_calculation})
     * still apply: {@code when_required} turns the request checksums off.
     */
    CRC32("CRC32 checksum on every put and part"),
    /**
     * {@code Content-MD5} on every put and part and none of the flexible-checksum headers; objects
     * are deleted one request each, since the SDK names a flexible checksum on every DeleteObjects.
     */
    MD5("Content-MD5 on every put and part"),
    /** No checksum on puts and parts, and none of the flexible-checksum headers (deletes as in MD5 mode). */
    NONE("no checksum on puts and parts");

    /** The setting that chooses the mode. */
    public static final String SETTING = "HLSFLEET_S3_INTEGRITY";

    private final String meaning;

    S3Integrity(String meaning) {
        this.meaning = meaning;
    }

    public static S3Integrity parse(String value) {
        if (value == null) {
            return CRC32;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SETTING + "=" + value
                    + " is not one of crc32, md5, none (md5 for stores that refuse the SDK's flexible checksums)");
        }
    }

    /**
     * Sets up a client for this mode. CRC32 leaves the SDK's checksum settings to its standard
     * configuration; the other modes turn the flexible checksums off whatever that says, since a
     * store that refuses their headers refuses them on every request.
     */
    void configure(S3ClientBuilder builder) {
        if (this != CRC32) {
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
    }

    /**
     * The flexible checksum to name on puts, parts and multipart uploads, or {@code null}: CRC32
     * only when the SDK calculates request checksums where they are supported (its default), so
     * {@code AWS_REQUEST_CHECKSUM_CALCULATION=when_required} is honoured.
     */
    ChecksumAlgorithm requestAlgorithm(RequestChecksumCalculation sdkCalculation) {
        return this == CRC32 && sdkCalculation != RequestChecksumCalculation.WHEN_REQUIRED ? ChecksumAlgorithm.CRC32 : null;
    }

    /**
     * What protects an upload in fact, for the start-up log and readiness: the mode, and a warning
     * when the SDK's settings took the checksum away that the mode asks for.
     */
    String describe(RequestChecksumCalculation sdkCalculation) {
        String mode = name().toLowerCase(Locale.ROOT);
        if (this == CRC32 && requestAlgorithm(sdkCalculation) == null) {
            return mode + " requested, but AWS_REQUEST_CHECKSUM_CALCULATION (or the profile's"
                    + " request_checksum_calculation) is when_required: puts and parts carry no checksum;"
                    + " set " + SETTING + "=md5 for Content-MD5 instead";
        }
        return mode + " (" + meaning + ")";
    }

    /** True if {@link #describe} says that uploads go unprotected. */
    boolean unprotected(RequestChecksumCalculation sdkCalculation) {
        return this == NONE || (this == CRC32 && requestAlgorithm(sdkCalculation) == null);
    }
}
