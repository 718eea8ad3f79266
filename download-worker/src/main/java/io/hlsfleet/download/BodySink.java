package io.hlsfleet.download;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.HumanUnits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Writes a source to disk as it arrives, in small buffers, so a transfer costs a few kilobytes of
 * heap whatever its size. It enforces the size limit on the bytes actually received (a lying
 * {@code Content-Length} changes nothing) and looks at the first bytes: a web page or other text
 * is not a video, and is refused before it reaches the encoder.
 */
final class BodySink {

    static final int SNIFF_BYTES = 512;
    static final String PAGE = "an HTML page";
    static final String FEED = "a feed";
    private static final int BUFFER = 64 * 1024;
    private static final long PROGRESS_EVERY = 1 << 20;

    private final Path target;
    private final long sourceLimit;
    /** The source limit, or the smaller feed limit once the body turned out to be a feed. */
    private long maxBytes;
    private boolean feed;
    private final JobContext context;
    private final DownloadMetrics metrics;
    private final byte[] head = new byte[SNIFF_BYTES];
    private int headLength;
    private boolean sniffed;
    private long written;

    BodySink(Path target, long maxBytes, JobContext context, DownloadMetrics metrics) {
        this.target = target;
        this.sourceLimit = maxBytes;
        this.maxBytes = maxBytes;
        this.context = context;
        this.metrics = metrics;
    }

    long written() {
        return written;
    }

    /** Starts the file again from nothing, when an origin will not resume. */
    void restart() {
        written = 0;
        headLength = 0;
        sniffed = false;
        feed = false;
        maxBytes = sourceLimit;
    }

    /**
     * Appends {@code in} to what is already written (nothing after {@link #restart}), until the end
     * of the stream. {@code expectedTotal} (negative when unknown) only feeds progress.
     */
    void copy(InputStream in, long expectedTotal) throws IOException, JobFailure {
        StandardOpenOption mode = written == 0 ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND;
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                mode)) {
            byte[] buffer = new byte[BUFFER];
            long nextProgress = written + PROGRESS_EVERY;
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (read == 0) {
                    continue;
                }
                metrics.received(read);
                if (written + read > maxBytes) {
                    throw JobFailure.permanent(feed ? "the feed is larger than " + HumanUnits.mebibytes(maxBytes)
                            + ", more than any feed of videos needs" : "the source is larger than the limit of "
                            + maxBytes + " bytes (HLSFLEET_DOWNLOAD_MAX_BYTES)");
                }
                if (!sniffed) {
                    int take = Math.min(read, SNIFF_BYTES - headLength);
                    System.arraycopy(buffer, 0, head, headLength, take);
                    headLength += take;
                    if (headLength == SNIFF_BYTES) {
                        sniff();
                    }
                }
                out.write(buffer, 0, read);
                written += read;
                if (written >= nextProgress) {
                    nextProgress = written + PROGRESS_EVERY;
                    context.progress(expectedTotal > 0 ? (double) written / expectedTotal : -1,
                            HumanUnits.mebibytes(written));
                }
            }
        }
    }

    /** Called once the whole source is on disk: checks what the stream was too short to check. */
    void finish() throws JobFailure {
        if (written == 0) {
            throw JobFailure.permanent("the origin sent an empty body");
        }
        if (!sniffed) {
            sniff();
        }
        if (feed) {
            throw new PageNotMedia("the origin sent " + FEED + ", not a video", true);
        }
    }

    private void sniff() throws JobFailure {
        sniffed = true;
        String kind = textKind(head, headLength);
        if (FEED.equals(kind)) {
            // Kept whole, to be read for its entries once it is all here.
            feed = true;
            maxBytes = Math.min(maxBytes, Feeds.MAX_BYTES);
            return;
        }
        if (PAGE.equals(kind)) {
            throw new PageNotMedia("the origin sent " + kind + ", not a video");
        }
        if (kind != null) {
            throw JobFailure.permanent("the origin sent " + kind + ", not a video; check that the URL points at the"
                    + " media file itself rather than a page that embeds it");
        }
    }

    /**
     * {@link #FEED} (RSS or Atom), {@link #PAGE} (HTML, or other XML) or {@code "text"} when the
     * bytes look like one, else {@code null}.
     */
    static String textKind(byte[] bytes, int length) {
        int start = 0;
        if (length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf) {
            start = 3;
        }
        while (start < length && Character.isWhitespace(bytes[start])) {
            start++;
        }
        String text = new String(bytes, start, length - start, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        if (Feeds.looksLikeFeed(text)) {
            return FEED;
        }
        if (text.startsWith("<!doctype html") || text.startsWith("<html") || text.startsWith("<head")
                || text.startsWith("<body") || text.startsWith("<?xml") || text.startsWith("<!--")) {
            return PAGE;
        }
        for (int i = 0; i < length; i++) {
            int b = bytes[i] & 0xff;
            if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1b) {
                return null;
            }
            if (b == 0x7f) {
                return null;
            }
        }
        return length == 0 ? null : "text";
    }
}
