package io.hlsfleet.encode;

import io.hlsfleet.encode.VariantProbe.VideoPacket;
import io.hlsfleet.job.JobFailure;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Writes a variant's I-frame playlist ({@code iframes.m3u8}): byte ranges of its segments that
 * each hold one keyframe, which players fetch to show pictures while scrubbing and in fast
 * forward. Apple's authoring rules require one per video variant.
 *
 * <p>MPEG-TS: every keyframe is listed. ffmpeg writes a PAT and PMT right before each keyframe, so
 * a range that starts there and ends where the next video frame starts can be decoded alone.
 * fMP4: ffmpeg writes one fragment (moof + mdat) per segment, and a picture can only be read
 * with its fragment's moof, so only each segment's first keyframe is listed: the range runs from
 * the start of the segment to the end of that picture, with the init segment as EXT-X-MAP.
 */
final class IFramePlaylist {

    static final String NAME = "iframes.m3u8";

    private static final int TS_PACKET = 188;
    private static final int PAT_PID = 0x0000;
    private static final int SDT_PID = 0x0011;

    private IFramePlaylist() {
    }

    /** One I-frame: a byte range of a segment, shown for {@code seconds}. */
    record IFrame(String segment, long offset, long length, double seconds) {
    }

    /**
     * Writes {@code iframes.m3u8} beside the variant's {@code index.m3u8} and returns its bitrates
     * (a player in trick play fetches these ranges only).
     */
    static MasterPlaylist.Measured write(Path variantDir, Container container, VariantProbe probe)
            throws IOException, JobFailure {
        MediaPlaylist media = probe.playlist();
        List<IFrame> frames = container == Container.FMP4 ? fragmentStarts(probe.packets(), probe.files(), media)
                : transportStreamKeyframes(variantDir, probe.packets(), probe.files(), media);
        if (frames.isEmpty()) {
            throw JobFailure.retryable("the encoded " + variantDir.getFileName() + " variant has no keyframe to list");
        }
        Files.writeString(variantDir.resolve(NAME), render(frames, media.map(), container), StandardCharsets.UTF_8);
        return measure(frames);
    }

    /** The entries of a finished media playlist written by ffmpeg: its init segment and segments. */
    record MediaPlaylist(String map, List<String> segments, double seconds) {

        static MediaPlaylist read(Path playlist) throws IOException {
            String map = Files.readAllLines(playlist, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.startsWith("#EXT-X-MAP:")).findFirst()
                    .map(line -> LadderCheck.attributes(line).get("URI")).orElse(null);
            List<String> segments = LadderCheck.entries(playlist);
            double seconds = MasterPlaylist.segmentDurations(playlist).stream().mapToDouble(Double::doubleValue).sum();
            return new MediaPlaylist(map, segments, seconds);
        }
    }

    /**
     * MPEG-TS: each keyframe from the PAT/PMT/SDT packets right before it to the start of the
     * next video frame in its segment (or the segment's end). Audio packets muxed in between ride
     * along; a player's demuxer skips them.
     */
    private static List<IFrame> transportStreamKeyframes(Path dir, List<VideoPacket> packets, List<String> files,
            MediaPlaylist media) throws IOException {
        List<VideoPacket> keys = packets.stream().filter(VideoPacket::key).toList();
        List<IFrame> frames = new ArrayList<>();
        RandomAccessFile segment = null;
        Set<Integer> tables = Set.of();
        try {
            for (int at = 0; at < packets.size(); at++) {
                VideoPacket key = packets.get(at);
                if (!key.key()) {
                    continue;
                }
                if (frames.isEmpty() || !frames.getLast().segment().equals(files.get(key.file()))) {
                    // Each segment is opened, and its PAT read, once for all its keyframes.
                    if (segment != null) {
                        segment.close();
                    }
                    segment = new RandomAccessFile(dir.resolve(files.get(key.file())).toFile(), "r");
                    tables = tablePids(segment);
                }
                boolean nextInSameSegment = at + 1 < packets.size() && packets.get(at + 1).file() == key.file();
                long end = nextInSameSegment ? packets.get(at + 1).offset() : segment.length();
                long start = tablesBefore(segment, tables, key.offset());
                frames.add(new IFrame(files.get(key.file()), start, end - start,
                        secondsUntilNext(keys, frames.size(), packets, media)));
            }
        } finally {
            if (segment != null) {
                segment.close();
            }
        }
        return frames;
    }

    /**
     * fMP4: each segment's first keyframe, as the range from the segment's start (its styp, sidx
     * and moof) to the end of that picture's bytes in the mdat.
     */
    private static List<IFrame> fragmentStarts(List<VideoPacket> packets, List<String> files, MediaPlaylist media) {
        List<VideoPacket> firsts = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (VideoPacket packet : packets) {
            if (packet.key() && seen.add(packet.file()) && !files.get(packet.file()).equals(media.map())) {
                firsts.add(packet);
            }
        }
        List<IFrame> frames = new ArrayList<>();
        for (int k = 0; k < firsts.size(); k++) {
            VideoPacket key = firsts.get(k);
            frames.add(new IFrame(files.get(key.file()), 0, key.offset() + key.size(),
                    secondsUntilNext(firsts, k, packets, media)));
        }
        return frames;
    }

    /** How long an I-frame stands: until the next one, the last until the variant ends. */
    private static double secondsUntilNext(List<VideoPacket> keys, int k, List<VideoPacket> packets,
            MediaPlaylist media) {
        if (k + 1 < keys.size()) {
            return keys.get(k + 1).pts() - keys.get(k).pts();
        }
        double first = packets.stream().mapToDouble(VideoPacket::pts).min().orElse(0);
        return Math.max(0.001, first + media.seconds() - keys.get(k).pts());
    }

    /**
     * The offset of the first of the PSI packets (PAT, PMT, SDT) that directly precede the packet
     * at {@code offset}: a transport stream decoder needs them to find the video.
     */
    private static long tablesBefore(RandomAccessFile segment, Set<Integer> tables, long offset) throws IOException {
        long start = offset;
        byte[] header = new byte[3];
        while (start >= TS_PACKET) {
            segment.seek(start - TS_PACKET);
            segment.readFully(header);
            int pid = (header[1] & 0x1f) << 8 | header[2] & 0xff;
            if (header[0] != 0x47 || !tables.contains(pid)) {
                break;
            }
            start -= TS_PACKET;
        }
        return start;
    }

    /** The PIDs of a segment's tables: PAT, SDT and the PMTs its first PAT lists. */
    private static Set<Integer> tablePids(RandomAccessFile segment) throws IOException {
        Set<Integer> tables = programMapPids(segment);
        tables.add(PAT_PID);
        tables.add(SDT_PID);
        return tables;
    }

    /** The PMT PIDs the segment's first PAT lists. */
    private static Set<Integer> programMapPids(RandomAccessFile file) throws IOException {
        Set<Integer> pids = new HashSet<>();
        byte[] packet = new byte[TS_PACKET];
        for (long at = 0; at + TS_PACKET <= file.length() && at < 16 * TS_PACKET; at += TS_PACKET) {
            file.seek(at);
            file.readFully(packet);
            int pid = (packet[1] & 0x1f) << 8 | packet[2] & 0xff;
            boolean unitStart = (packet[1] & 0x40) != 0;
            if (packet[0] != 0x47 || pid != PAT_PID || !unitStart) {
                continue;
            }
            int payload = 4 + ((packet[3] & 0x20) != 0 ? 1 + (packet[4] & 0xff) : 0);
            int section = payload + 1 + (packet[payload] & 0xff);
            int length = (packet[section + 1] & 0x0f) << 8 | packet[section + 2] & 0xff;
            // Program entries follow the 8-byte header and end before the 4-byte CRC.
            for (int entry = section + 8; entry + 4 <= section + 3 + length - 4 && entry + 4 <= TS_PACKET; entry += 4) {
                int program = (packet[entry] & 0xff) << 8 | packet[entry + 1] & 0xff;
                if (program != 0) {
                    pids.add((packet[entry + 2] & 0x1f) << 8 | packet[entry + 3] & 0xff);
                }
            }
            break;
        }
        return pids;
    }

    static String render(List<IFrame> frames, String map, Container container) {
        double longest = frames.stream().mapToDouble(IFrame::seconds).max().orElse(1);
        StringBuilder m3u8 = new StringBuilder("#EXTM3U\n")
                // EXT-X-BYTERANGE and EXT-X-I-FRAMES-ONLY need version 4; EXT-X-MAP here needs 6 with fMP4.
                .append("#EXT-X-VERSION:").append(container == Container.FMP4 ? 6 : 4).append('\n')
                .append("#EXT-X-TARGETDURATION:").append((int) Math.ceil(longest)).append('\n')
                .append("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n")
                .append("#EXT-X-I-FRAMES-ONLY\n");
        if (map != null) {
            m3u8.append("#EXT-X-MAP:URI=\"").append(map).append("\"\n");
        }
        for (IFrame frame : frames) {
            m3u8.append(String.format(Locale.ROOT, "#EXTINF:%.6f,%n", frame.seconds()))
                    .append("#EXT-X-BYTERANGE:").append(frame.length()).append('@').append(frame.offset()).append('\n')
                    .append(frame.segment()).append('\n');
        }
        return m3u8.append("#EXT-X-ENDLIST\n").toString();
    }

    /** Peak and average bitrate of fetching the I-frames at the pace they are shown. */
    static MasterPlaylist.Measured measure(List<IFrame> frames) {
        double seconds = frames.stream().mapToDouble(IFrame::seconds).sum();
        long bytes = frames.stream().mapToLong(IFrame::length).sum();
        long average = seconds > 0 ? Math.round(bytes * 8 / seconds) : 0;
        long peak = average;
        for (IFrame frame : frames) {
            // A short last I-frame says nothing about the pace a player needs, as for segments.
            if (frame.seconds() > 0.5) {
                peak = Math.max(peak, Math.round(frame.length() * 8 / frame.seconds()));
            }
        }
        return new MasterPlaylist.Measured(peak, average, seconds);
    }
}
