package io.hlsfleet.job;

/**
 * Where a published video's master playlist is: {@code <videoId>/master.m3u8} in the bucket, the
 * playlist players load, and the URL they load it from.
 */
public final class PublishedVideo {

    /** The master playlist's file name: at the top of a ladder and of a published video's folder. */
    public static final String MASTER = "master.m3u8";

    private PublishedVideo() {
    }

    /** The bucket key of the master playlist of {@code videoId}. */
    public static String masterKey(String videoId) {
        return videoId + "/" + MASTER;
    }

    /**
     * The URL of the master playlist of {@code videoId}.
     *
     * @param base the public URL players use, or else the bucket's address; trailing slashes are
     *     ignored
     */
    public static String masterUrl(String base, String videoId) {
        return base.replaceAll("/+$", "") + "/" + masterKey(videoId);
    }
}
