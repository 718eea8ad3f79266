package io.hlsfleet.download;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.ListEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The videos an RSS 2.0, RSS 1.0 or Atom feed lists, read with the JDK's own XML parser: a feed
 * needs a dozen elements, not a feed library. A feed is hostile input, so the parser reads no
 * document type declaration at all: no entity can name a local file or an internal address (XXE),
 * and none can expand into gigabytes. A feed that declares one is refused.
 *
 * <p>Of each item the video is its enclosure (or Media RSS {@code media:content}) of a video type
 * or no type, else its link, which then leads to a page the download stage resolves as any other.
 * Relative addresses are resolved against the feed's.
 */
final class Feeds {

    /** Larger than any feed of a few hundred videos; a feed is held in memory while it is read. */
    static final long MAX_BYTES = 8L << 20;
    private static final String MEDIA_RSS = "http://search.yahoo.com/mrss/";

    private Feeds() {
    }

    /** True if {@code head}, the first bytes of a body in lower case, starts an RSS or Atom feed. */
    static boolean looksLikeFeed(String head) {
        return head.matches("(?s)(<\\?xml[^>]*>\\s*)?(<\\?xml-stylesheet[^>]*>\\s*|<!--.*?-->\\s*)*"
                + "(<rss[\\s>]|<feed[\\s>]|<rdf:rdf[\\s>]|<!doctype\\s+(rss|feed|rdf)).*");
    }

    /** The entries of the feed in {@code file}, fetched from {@code feed}, in the feed's order. */
    static List<ListEntry> entries(Path file, URI feed) throws JobFailure, IOException {
        Document document;
        try (InputStream in = Files.newInputStream(file)) {
            document = parser().parse(in);
        } catch (SAXParseException e) {
            if (String.valueOf(e.getMessage()).contains("DOCTYPE")) {
                throw JobFailure.permanent("the feed declares a document type (<!DOCTYPE>), whose entities could"
                        + " read local files or internal addresses; feeds never need one, so it is refused");
            }
            throw JobFailure.permanent("the feed is not well-formed XML (line " + e.getLineNumber() + ": "
                    + e.getMessage() + ")");
        } catch (SAXException e) {
            throw JobFailure.permanent("the feed could not be read: " + e.getMessage());
        }
        List<ListEntry> entries = new ArrayList<>();
        Element root = document.getDocumentElement();
        String kind = root.getLocalName() == null ? "" : root.getLocalName().toLowerCase(Locale.ROOT);
        if (!kind.equals("rss") && !kind.equals("feed") && !kind.equals("rdf")) {
            throw JobFailure.permanent("the XML document is not an RSS or Atom feed (its root is <" + kind + ">)");
        }
        for (Element item : descendants(root, kind.equals("feed") ? "entry" : "item")) {
            String url = videoUrl(item);
            if (url != null) {
                entries.add(new ListEntry(resolve(feed, url), null, childText(item, "title")));
            }
        }
        return entries;
    }

    private static DocumentBuilder parser() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // Nothing is ever fetched, and errors are thrown rather than printed on stderr.
            builder.setEntityResolver((publicId, systemId) -> new InputSource(new StringReader("")));
            builder.setErrorHandler(new DefaultHandler() {
                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a safety feature: " + e.getMessage(), e);
        }
    }

    /** The item's video: an enclosure of a video type (or none), else Media RSS content, else its link. */
    private static String videoUrl(Element item) {
        for (Element child : children(item)) {
            String name = child.getLocalName();
            if ("enclosure".equals(name) && isVideo(child.getAttribute("type"))) {
                return nonBlank(child.getAttribute("url"));
            }
            if ("link".equals(name) && "enclosure".equals(child.getAttribute("rel"))
                    && isVideo(child.getAttribute("type"))) {
                return nonBlank(child.getAttribute("href"));
            }
        }
        for (Element child : children(item)) {
            if ("content".equals(child.getLocalName()) && MEDIA_RSS.equals(child.getNamespaceURI())
                    && (isVideo(child.getAttribute("type")) || "video".equals(child.getAttribute("medium")))) {
                return nonBlank(child.getAttribute("url"));
            }
        }
        for (Element child : children(item)) {
            if (!"link".equals(child.getLocalName())) {
                continue;
            }
            String href = nonBlank(child.getAttribute("href"));
            String rel = child.getAttribute("rel");
            if (href != null && (rel.isEmpty() || rel.equals("alternate"))) {
                return href;
            }
            if (href == null && nonBlank(child.getTextContent()) != null) {
                return child.getTextContent().strip();
            }
        }
        return null;
    }

    private static boolean isVideo(String type) {
        String t = type.toLowerCase(Locale.ROOT).strip();
        return t.isEmpty() || t.startsWith("video/") || t.contains("mpegurl") || t.contains("dash+xml");
    }

    private static String resolve(URI feed, String url) {
        try {
            return feed.resolve(url.strip()).toString();
        } catch (IllegalArgumentException e) {
            // Kept as written: the entry's own job refuses it with the reason.
            return url.strip();
        }
    }

    private static String childText(Element element, String localName) {
        for (Element child : children(element)) {
            if (localName.equals(child.getLocalName())) {
                return nonBlank(child.getTextContent());
            }
        }
        return null;
    }

    private static List<Element> children(Element element) {
        List<Element> elements = new ArrayList<>();
        for (Node node = element.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element child) {
                elements.add(child);
            }
        }
        return elements;
    }

    private static List<Element> descendants(Element root, String localName) {
        NodeList nodes = root.getElementsByTagNameNS("*", localName);
        List<Element> elements = new ArrayList<>(nodes.getLength());
        for (int i = 0; i < nodes.getLength(); i++) {
            elements.add((Element) nodes.item(i));
        }
        return elements;
    }

    private static String nonBlank(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }
}
