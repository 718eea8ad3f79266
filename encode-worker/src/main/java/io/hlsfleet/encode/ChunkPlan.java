package io.hlsfleet.encode;

import java.util.ArrayList;
import java.util.List;

/**
 * How a long video is cut into chunks of whole segments: chunks of the configured length, and the
 * last two lengths' worth in chunks that shrink towards the end ({@link #nextChunkSegments}).
 * Chunk {@code i} covers the segments {@code firstSegment .. firstSegment + segments - 1} of every
 * video variant: it starts on the segment grid, so its first frame is a forced keyframe of the
 * one-ffmpeg ladder too, and the segment files it writes are the ones that ladder would have had
 * under the same numbers.
 *
 * @param segmentSeconds length of one segment
 * @param chunks the chunks, in order
 */
record ChunkPlan(int segmentSeconds, List<Chunk> chunks) {

    /**
     * One chunk.
     *
     * @param index its place, from 0
     * @param firstSegment number of its first segment in every variant
     * @param segments how many segments it holds (the last chunk may end with a shorter one)
     * @param startSeconds where it starts in the source, a multiple of the segment length
     * @param seconds how much of the source it covers
     */
    record Chunk(int index, int firstSegment, int segments, int startSeconds, double seconds) {
    }

    ChunkPlan {
        chunks = List.copyOf(chunks);
    }

    /**
     * The chunks of a video of {@code durationSeconds}, or an empty plan when it is not longer than
     * the threshold (or chunking is off): such a video is encoded by one ffmpeg as before.
     */
    static ChunkPlan of(double durationSeconds, int segmentSeconds, ChunkProperties properties) {
        if (!properties.enabled() || durationSeconds <= properties.threshold().toMillis() / 1000.0) {
            return none(segmentSeconds);
        }
        long chunkMillis = properties.seconds().toMillis();
        long segmentMillis = segmentSeconds * 1000L;
        int perChunk = (int) Math.max(1, (chunkMillis + segmentMillis - 1) / segmentMillis);
        // Rounded so that a last segment of a few frames does not become a chunk of its own.
        int totalSegments = (int) Math.max(1, Math.ceil(durationSeconds / segmentSeconds - 1e-3));
        if (totalSegments <= perChunk) {
            // Not longer than one chunk: nothing to share.
            return none(segmentSeconds);
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int first = 0, index = 0, segments; first < totalSegments; first += segments, index++) {
            segments = nextChunkSegments(totalSegments - first, perChunk);
            int start = first * segmentSeconds;
            double seconds = first + segments >= totalSegments ? durationSeconds - start : segments * segmentSeconds;
            chunks.add(new Chunk(index, first, segments, start, seconds));
        }
        return chunks.size() < 2 ? none(segmentSeconds) : new ChunkPlan(segmentSeconds, chunks);
    }

    /**
     * How many of the {@code left} segments the next chunk takes. Chunks are of the configured
     * length until two lengths' worth is left; from there each takes about a quarter of what is
     * left (at least two segments unless a chunk is shorter; what is left is shared evenly, never
     * leaving a sliver), so the chunks shrink towards the end and the workers sharing the video run
     * out of work at about the same time instead of one finishing a whole chunk alone.
     */
    private static int nextChunkSegments(int left, int perChunk) {
        if (left > 2 * perChunk) {
            return perChunk;
        }
        int size = Math.max(Math.min(MIN_TAIL_SEGMENTS, perChunk), Math.ceilDiv(left, 4));
        return Math.ceilDiv(left, Math.max(1, left / size));
    }

    /** The shortest chunk at a plan's end: each chunk decodes from the keyframe before its start. */
    private static final int MIN_TAIL_SEGMENTS = 2;

    /** The plan of a video encoded by one ffmpeg. */
    static ChunkPlan none(int segmentSeconds) {
        return new ChunkPlan(segmentSeconds, List.of());
    }

    boolean chunked() {
        return !chunks.isEmpty();
    }

    /** How much of the video the chunks cover together: all of it. */
    double seconds() {
        return chunks.stream().mapToDouble(Chunk::seconds).sum();
    }

    /** The plan as the text staged beside the chunks: the segment length, then a line per chunk. */
    String text() {
        StringBuilder out = new StringBuilder("segment-seconds ").append(segmentSeconds).append('\n');
        for (Chunk c : chunks) {
            out.append(String.format(java.util.Locale.ROOT, "chunk %d %d %d %d %.6f%n", c.index(), c.firstSegment(),
                    c.segments(), c.startSeconds(), c.seconds()));
        }
        return out.toString();
    }

    /** The plan for a log line: how many chunks, and the segment each starts at. */
    String summary() {
        return chunks.size() + " chunks of " + segmentSeconds + " s segments; chunks start at segments "
                + String.join(", ", chunks.stream().map(c -> Integer.toString(c.firstSegment())).toList());
    }

    /** A plan read back from {@link #text}. */
    static ChunkPlan parse(String text) {
        int segmentSeconds = 0;
        List<Chunk> chunks = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String[] f = line.strip().split(" ");
            if (f[0].equals("segment-seconds")) {
                segmentSeconds = Integer.parseInt(f[1]);
            } else if (f[0].equals("chunk")) {
                chunks.add(new Chunk(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                        Integer.parseInt(f[4]), Double.parseDouble(f[5])));
            }
        }
        if (segmentSeconds < 1 || chunks.size() < 2) {
            throw new IllegalArgumentException("not a chunk plan");
        }
        return new ChunkPlan(segmentSeconds, chunks);
    }
}
