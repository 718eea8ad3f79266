package io.hlsfleet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A web site of video pages on a loopback origin, as users paste them: the video in a
 * {@code <video>} tag, in {@code og:video}, in JSON-LD, as an HLS stream, an RSS and an Atom feed
 * of three clips, a page of two videos, and hostile pages and feeds whose video leads to
 * {@code refused}, an origin the test keeps outside the download allow-list (its listener must
 * see no connection).
 */
public final class VideoPages implements AutoCloseable {

    public static final String VIDEO_TAG = "/video-tag.html";
    public static final String OPEN_GRAPH = "/open-graph.html";
    public static final String JSON_LD = "/json-ld.html";
    public static final String HLS = "/hls.html";
    public static final String FEED = "/feed.xml";
    /** An Atom feed of the same three clips. */
    public static final String ATOM_FEED = "/atom.xml";
    /** A page of two {@code <video>} tags: yt-dlp lists it as two entries. */
    public static final String TWO_VIDEOS = "/two-videos.html";
    /** A feed of four clips, one more than a cap of three. */
    public static final String LONG_FEED = "/long-feed.xml";
    /** A feed whose document type names /etc/passwd and the refused origin as entities (XXE). */
    public static final String XXE_FEED = "/xxe-feed.xml";
    /** A feed whose one entry is on the refused origin. */
    public static final String REFUSED_FEED = "/refused-feed.xml";
    /** Pages whose video must be refused, each with the words the refusal should contain. */
    public static final Map<String, String> HOSTILE = Map.of(
            "/refused-media.html", "loopback",
            "/redirect-to-refused.html", "loopback",
            "/redirect-to-metadata.html", "link-local",
            "/refused-segments.html", "loopback",
            "/local-file.html", "file");

    private final ScriptedOrigin origin;
    private final Path clip;

    private VideoPages(ScriptedOrigin origin, Path clip) {
        this.origin = origin;
        this.clip = clip;
    }

    /**
     * Serves the pages on {@code address}, with a 2 s 360p clip written into {@code dir}; the hostile
     * pages point at {@code refused}.
     */
    public static VideoPages serve(String address, Path dir, ScriptedOrigin refused)
            throws IOException, InterruptedException {
        Path clip = SyntheticClip.video(640, 360).seconds(2).faststart().writeTo(dir.resolve("clip.mp4"));
        Path hls = Files.createDirectories(dir.resolve("hls"));
        SyntheticClip.run(List.of("ffmpeg", "-v", "error", "-y", "-i", clip.toString(), "-c", "copy", "-f", "hls",
                "-hls_time", "1", "-hls_list_size", "0", "-hls_segment_filename", hls.resolve("s%d.ts").toString(),
                hls.resolve("index.m3u8").toString()));
        ScriptedOrigin origin = ScriptedOrigin.on(address);
        String base = origin.base();
        String elsewhere = refused.base();
        origin.route("/clip.mp4", file(clip, "video/mp4"));
        try (Stream<Path> files = Files.list(hls)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                origin.route("/hls/" + name, file(file, name.endsWith(".ts") ? "video/mp2t"
                        : "application/vnd.apple.mpegurl"));
            }
        }
        origin.route(VIDEO_TAG, page("Video tag", "", "<video controls src=\"/clip.mp4\"></video>"));
        origin.route(OPEN_GRAPH, page("Open Graph", """
                <meta property="og:title" content="Open Graph clip">
                <meta property="og:video" content="%s/clip.mp4">
                <meta property="og:video:type" content="video/mp4">""".formatted(base), ""));
        origin.route(JSON_LD, page("JSON-LD", """
                <script type="application/ld+json">{"@context": "https://schema.org", "@type": "VideoObject",
                "name": "JSON-LD clip", "description": "A clip described in JSON-LD", "duration": "PT2S",
                "uploadDate": "2026-01-01", "thumbnailUrl": "%1$s/thumb.jpg", "contentUrl": "%1$s/clip.mp4",
                "author": {"@type": "Person", "name": "Test Uploader"}}</script>""".formatted(base), ""));
        origin.route(HLS, page("HLS stream", "",
                "<video controls><source src=\"/hls/index.m3u8\" type=\"application/x-mpegURL\"></video>"));
        origin.route(FEED, text("application/rss+xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <rss version="2.0"><channel><title>Clips</title><link>%1$s/</link><description>Three clips</description>
                <item><title>First</title><guid>first</guid><enclosure url="%1$s/clip.mp4?n=1" length="1" type="video/mp4"/></item>
                <item><title>Second</title><guid>second</guid><enclosure url="%1$s/clip.mp4?n=2" length="1" type="video/mp4"/></item>
                <item><title>Third</title><guid>third</guid><enclosure url="%1$s/clip.mp4?n=3" length="1" type="video/mp4"/></item>
                </channel></rss>""".formatted(base)));
        origin.route(ATOM_FEED, text("application/atom+xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <feed xmlns="http://www.w3.org/2005/Atom"><title>Clips</title><id>urn:clips</id>
                <entry><title>First</title><id>urn:1</id><link rel="enclosure" type="video/mp4" href="/clip.mp4?a=1"/></entry>
                <entry><title>Second</title><id>urn:2</id><link rel="enclosure" type="video/mp4" href="clip.mp4?a=2"/></entry>
                <entry><title>Third</title><id>urn:3</id><link rel="enclosure" href="%1$s/clip.mp4?a=3"/></entry>
                </feed>""".formatted(base)));
        origin.route(TWO_VIDEOS, page("Two videos", "",
                "<video controls src=\"/clip.mp4?v=1\"></video><video controls src=\"/clip.mp4?v=2\"></video>"));
        origin.route(LONG_FEED, text("application/rss+xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <rss version="2.0"><channel><title>Many clips</title>
                <item><title>1</title><enclosure url="%1$s/clip.mp4?l=1" type="video/mp4"/></item>
                <item><title>2</title><enclosure url="%1$s/clip.mp4?l=2" type="video/mp4"/></item>
                <item><title>3</title><enclosure url="%1$s/clip.mp4?l=3" type="video/mp4"/></item>
                <item><title>4</title><enclosure url="%1$s/clip.mp4?l=4" type="video/mp4"/></item>
                </channel></rss>""".formatted(base)));
        origin.route(XXE_FEED, text("application/rss+xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE rss SYSTEM "%1$s/evil.dtd" [
                  <!ENTITY passwd SYSTEM "file:///etc/passwd">
                  <!ENTITY remote SYSTEM "%1$s/entity">
                ]>
                <rss version="2.0"><channel><title>&passwd;</title>
                <item><title>&remote;</title><enclosure url="%2$s/clip.mp4?x=&passwd;" type="video/mp4"/></item>
                </channel></rss>""".formatted(elsewhere, base)));
        origin.route(REFUSED_FEED, text("application/rss+xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <rss version="2.0"><channel><title>Elsewhere</title>
                <item><title>Refused</title><enclosure url="%1$s/clip.mp4" type="video/mp4"/></item>
                </channel></rss>""".formatted(elsewhere)));

        origin.route("/refused-media.html", page("Refused media", "",
                "<video controls src=\"" + elsewhere + "/clip.mp4\"></video>"));
        origin.route("/redirect-to-refused.html", page("Redirect", "", "<video controls src=\"/to-refused\"></video>"));
        origin.route("/to-refused", redirect(elsewhere + "/clip.mp4"));
        origin.route("/redirect-to-metadata.html", page("Metadata", "",
                "<video controls src=\"/to-metadata\"></video>"));
        origin.route("/to-metadata", redirect("http://169.254.169.254/latest/meta-data/clip.mp4"));
        origin.route("/refused-segments.html", page("Refused segments", "",
                "<video controls><source src=\"/refused.m3u8\" type=\"application/x-mpegURL\"></video>"));
        origin.route("/refused.m3u8", text("application/vnd.apple.mpegurl", """
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-TARGETDURATION:2
                #EXTINF:2.0,
                %1$s/s0.ts
                #EXT-X-ENDLIST
                """.formatted(elsewhere)));
        origin.route("/local-file.html", page("Local file", "", "<video controls src=\"file:///etc/passwd\"></video>"));
        return new VideoPages(origin, clip);
    }

    public String url(String page) {
        return origin.url(page);
    }

    /** The clip every page's video is made of (640x360, 2 s). */
    public Path clip() {
        return clip;
    }

    /** The origin serving the pages, to count its requests. */
    public ScriptedOrigin origin() {
        return origin;
    }

    private static ScriptedOrigin.Handler page(String title, String head, String body) {
        return text("text/html; charset=utf-8", """
                <!DOCTYPE html>
                <html><head><title>%s</title>
                %s
                </head><body>
                %s
                </body></html>
                """.formatted(title, head, body));
    }

    private static ScriptedOrigin.Handler text(String type, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return (request, out) -> ScriptedOrigin.respond(out, 200, Map.of("Content-Type", type), bytes);
    }

    private static ScriptedOrigin.Handler file(Path file, String type) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return (request, out) -> ScriptedOrigin.respond(out, 200, Map.of("Content-Type", type), bytes);
    }

    private static ScriptedOrigin.Handler redirect(String location) {
        return (request, out) -> ScriptedOrigin.respond(out, 302, Map.of("Location", location), new byte[0]);
    }

    @Override
    public void close() throws IOException {
        origin.close();
    }
}
