package io.hlsfleet.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.ListEntry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feeds read for their videos: RSS, Media RSS, Atom and RSS 1.0; a feed with a document type is refused. */
class FeedsTest {

    private static final URI FEED = URI.create("https://videos.example/shows/feed.xml");

    @TempDir
    Path dir;

    private List<ListEntry> entries(String xml) throws Exception {
        Path file = Files.writeString(dir.resolve("feed.xml"), xml, StandardCharsets.UTF_8);
        return Feeds.entries(file, FEED);
    }

    @Test
    void rssGivesEachItemsVideoEnclosureElseItsMediaContentElseItsLink() throws Exception {
        List<ListEntry> entries = entries("""
                <?xml version="1.0"?>
                <rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Show</title>
                <item><title>One</title><enclosure url="/media/1.mp4" type="video/mp4"/></item>
                <item><title>Two</title><enclosure url="https://cdn.example/2.mp3" type="audio/mpeg"/>
                  <media:content url="https://cdn.example/2.mp4" medium="video"/></item>
                <item><title>Three</title><link>https://videos.example/watch/3</link></item>
                <item><title>No video</title></item>
                </channel></rss>""");
        assertThat(entries).extracting(ListEntry::url).containsExactly("https://videos.example/media/1.mp4",
                "https://cdn.example/2.mp4", "https://videos.example/watch/3");
        assertThat(entries).extracting(ListEntry::title).containsExactly("One", "Two", "Three");
        assertThat(entries).allMatch(entry -> entry.videoId() == null);
    }

    @Test
    void atomAndRss1AreReadToo() throws Exception {
        assertThat(entries("""
                <feed xmlns="http://www.w3.org/2005/Atom"><title>Show</title>
                <entry><title>A</title><link rel="alternate" href="https://videos.example/a"/>
                  <link rel="enclosure" type="video/webm" href="a.webm"/></entry>
                <entry><title>B</title><link href="https://videos.example/b"/></entry>
                </feed>""")).extracting(ListEntry::url)
                .containsExactly("https://videos.example/shows/a.webm", "https://videos.example/b");
        assertThat(entries("""
                <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
                <channel><title>Show</title></channel>
                <item><title>C</title><link>https://videos.example/c</link></item>
                </rdf:RDF>""")).extracting(ListEntry::url).containsExactly("https://videos.example/c");
    }

    @Test
    void aDocumentTypeIsRefusedSoNoEntityReadsAFile() {
        Throwable thrown = catchThrowable(() -> entries("""
                <?xml version="1.0"?>
                <!DOCTYPE rss [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>
                <rss version="2.0"><channel><item><title>&passwd;</title>
                <enclosure url="https://videos.example/&passwd;.mp4"/></item></channel></rss>"""));
        assertThat(thrown).isInstanceOf(JobFailure.class).hasMessageContaining("document type")
                .hasMessageNotContaining("root:");
        assertThat(((JobFailure) thrown).retryable()).isFalse();
    }

    @Test
    void otherXmlAndBrokenXmlAreRefusedWithTheReason() {
        assertThat(catchThrowable(() -> entries("<urlset><url><loc>https://x.example/</loc></url></urlset>")))
                .isInstanceOf(JobFailure.class).hasMessageContaining("not an RSS or Atom feed");
        assertThat(catchThrowable(() -> entries("<rss><channel><item></channel>")))
                .isInstanceOf(JobFailure.class).hasMessageContaining("not well-formed");
    }

    @Test
    void sniffingTellsFeedsFromPages() {
        assertThat(kind("<?xml version=\"1.0\"?>\n<rss version=\"2.0\">")).isEqualTo(BodySink.FEED);
        assertThat(kind("<?xml version=\"1.0\"?><?xml-stylesheet href=\"s.xsl\"?><!-- hi --><feed xmlns=\"a\">"))
                .isEqualTo(BodySink.FEED);
        assertThat(kind("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY x \"y\">]><rss>")).isEqualTo(BodySink.FEED);
        assertThat(kind("<rss version=\"2.0\"><channel>")).isEqualTo(BodySink.FEED);
        assertThat(kind("<?xml version=\"1.0\"?><html><body>")).isEqualTo(BodySink.PAGE);
        assertThat(kind("<!DOCTYPE html><html><body>")).isEqualTo(BodySink.PAGE);
    }

    private static String kind(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return BodySink.textKind(bytes, bytes.length);
    }
}
