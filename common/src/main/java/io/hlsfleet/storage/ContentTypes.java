package io.hlsfleet.storage;

import java.util.Locale;

/**
 * Content-Type and Cache-Control of each file of a ladder. Playlists change when a video is
 * republished, so they are cached briefly; segments never change under the same name, so they
 * are immutable.
 */
public final class ContentTypes {

    private ContentTypes() {
    }

    public record Kind(String contentType, String cacheControl) {
    }

    public static final Kind PLAYLIST = new Kind("application/vnd.apple.mpegurl", "public, max-age=60");
    public static final Kind TS_SEGMENT = new Kind("video/mp2t", "public, max-age=31536000, immutable");
    public static final Kind MP4_SEGMENT = new Kind("video/iso.segment", "public, max-age=31536000, immutable");
    public static final Kind MP4_INIT = new Kind("video/mp4", "public, max-age=31536000, immutable");
    public static final Kind WEBVTT_SEGMENT = new Kind("text/vtt; charset=utf-8", "public, max-age=31536000, immutable");
    public static final Kind KEY = new Kind("application/octet-stream", "private, max-age=60");
    /** Poster and storyboard: same names on a republish, so cached briefly like the playlists. */
    public static final Kind JPEG = new Kind("image/jpeg", "public, max-age=300");
    public static final Kind WEBP = new Kind("image/webp", "public, max-age=300");
    public static final Kind WEBVTT = new Kind("text/vtt", "public, max-age=300");
    public static final Kind OTHER = new Kind("application/octet-stream", "public, max-age=300");

    public static Kind of(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".m3u8")) {
            return PLAYLIST;
        }
        if (name.endsWith(".ts")) {
            return TS_SEGMENT;
        }
        if (name.endsWith(".m4s")) {
            return MP4_SEGMENT;
        }
        if (name.endsWith(".mp4")) {
            return MP4_INIT;
        }
        if (name.endsWith(".vtt")) {
            return WEBVTT_SEGMENT;
        }
        if (name.endsWith(".key")) {
            return KEY;
        }
        if (name.endsWith(".jpg")) {
            return JPEG;
        }
        if (name.endsWith(".webp")) {
            return WEBP;
        }
        if (name.endsWith(".vtt")) {
            return WEBVTT;
        }
        return OTHER;
    }
}
