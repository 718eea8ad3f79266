package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Rendition;
import io.hlsfleet.worker.ChildProcesses;
import io.hlsfleet.worker.JobContext;
import io.hlsfleet.worker.HumanUnits;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Encodes one admitted source into a ladder folder with one ffmpeg process, then writes the
 * master playlist from what was really written.
 *
 * <p>While ffmpeg runs, a watchdog on the calling thread reads its {@code -progress} reports: it
 * kills ffmpeg when neither the encoded position nor its CPU time has moved for the stall timeout
 * (ffmpeg reports nothing until every output has its first frame, which for a picture output can
 * be minutes into a long video or a chunk, so a busy ffmpeg is alive), or when the whole
 * encode passes a limit that scales with the source's duration, and it kills ffmpeg at once when
 * the thread is interrupted (the worker is shutting down). Every way of failing ends in a
 * {@link JobFailure} that says whether another attempt can help.
 */
public final class LadderEncoder {

    private static final long POLL_MILLIS = 200;
    /**
     * CPU time an ffmpeg must use within the stall timeout to count as working while it reports
     * nothing: a second, or a tenth of a shorter timeout.
     */
    private static final double BUSY_CPU_SECONDS = 1;

    private final EncodeSettings settings;
    private final EncodeMetrics metrics;

    public LadderEncoder(EncodeSettings settings, EncodeMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    /**
     * What one encode produced and cost.
     *
     * @param pictures the poster and storyboard files written beside the master, relative to it
     * @param renditions the video variants as the master playlist lists them
     */
    public record Result(List<PlannedVariant> variants, double wallSeconds, double cpuSeconds, List<String> pictures,
            List<Rendition> renditions) {
    }

    /** Writes the ladder for {@code source} into {@code outDir}. */
    public Result encode(Path source, MediaInfo media, Path outDir, JobContext context)
            throws JobFailure, IOException, InterruptedException {
        return encode(source, media, outDir, context, null);
    }

    /**
     * Writes the ladder for {@code source} into {@code outDir}, its segments encrypted with
     * {@code key} when one is given (after their codecs were read, before they are measured).
     */
    public Result encode(Path source, MediaInfo media, Path outDir, JobContext context,
            SegmentEncryption.VideoKey key) throws JobFailure, IOException, InterruptedException {
        List<PlannedVariant> variants = LadderPlanner.plan(media, settings);
        for (PlannedVariant v : variants) {
            Files.createDirectories(outDir.resolve(v.name()));
        }
        createRenditionFolders(outDir, media);
        checkFreeSpace(outDir, media, variants);
        Path pictureWork = Files.createDirectories(Pictures.workDir(outDir));
        long started = System.nanoTime();
        double cpu;
        List<String> pictures = List.of();
        try {
            cpu = runFfmpeg(FfmpegLadderCommand.build(settings, media, variants, source, outDir), media,
                    outDir.resolve(variants.getFirst().name()), context);
            if (settings.pictures().enabled()) {
                pictures = Pictures.finish(outDir, media, settings.pictures(), settings.binaries().ffmpeg());
            }
        } finally {
            Pictures.deleteTree(pictureWork);
        }
        double wall = (System.nanoTime() - started) / 1e9;
        Result result = finish(outDir, media, variants, context, key, wall, cpu, pictures);
        metrics.record(media.durationSeconds(), wall, cpu);
        return result;
    }

    /**
     * Writes the video segments of one chunk of a chunked video into {@code outDir}, one folder per
     * variant as in a whole ladder. ffmpeg seeks to the keyframe before the chunk's start and
     * decodes from there, dropping the frames before it; the output is shifted back to the chunk's
     * place and numbered from its first segment, so its segments carry the same numbers and
     * timestamps as the one-ffmpeg ladder's. Keyframes are forced on the same grid, which the chunk
     * start is on. The frames of the poster candidates and storyboard thumbnails whose moments
     * fall in the chunk go to its {@link #CHUNK_PICTURES} folder, from the same decode; audio and
     * subtitles are left to {@link #encodeRest}.
     *
     * @param last whether this is the video's last chunk, which reads the source to its end
     */
    void encodeChunk(Path source, MediaInfo media, ChunkPlan.Chunk chunk, boolean last, Path outDir,
            JobContext context) throws JobFailure, IOException, InterruptedException {
        List<PlannedVariant> variants = LadderPlanner.plan(media, settings);
        MediaInfo videoOnly = new MediaInfo(media.formatName(), media.width(), media.height(), chunk.seconds(),
                media.frameRate(), media.videoStream(), -1, media.picture(), List.of(), List.of(), media.leftOut());
        for (PlannedVariant v : variants) {
            Files.createDirectories(outDir.resolve(v.name()));
        }
        checkFreeSpace(outDir, videoOnly, variants);
        Pictures.Target pictures = new Pictures.Target(media,
                new Pictures.Window(chunk.startSeconds(), last ? 0 : chunk.seconds()), outDir.resolve(CHUNK_PICTURES));
        if (settings.pictures().enabled()) {
            Files.createDirectories(pictures.dir());
        }
        List<String> command = chunkCommand(FfmpegLadderCommand.build(settings, videoOnly, variants, source, outDir,
                pictures), chunk, last, chunkShift(media));
        long started = System.nanoTime();
        double cpu = runFfmpeg(command, videoOnly, outDir.resolve(variants.getFirst().name()), context);
        metrics.record(chunk.seconds(), (System.nanoTime() - started) / 1e9, cpu);
        String extension = settings.profile().container().extension();
        for (PlannedVariant v : variants) {
            LadderCheck.verifyVariant(outDir, v.name() + "/index.m3u8");
            List<String> segments = LadderCheck.entries(outDir.resolve(v.name()).resolve("index.m3u8"));
            for (int k = 0; k < segments.size(); k++) {
                String expected = String.format(Locale.ROOT, "%s%05d%s", FfmpegLadderCommand.SEGMENT_PREFIX,
                        chunk.firstSegment() + k, extension);
                if (!segments.get(k).equals(expected)) {
                    throw JobFailure.retryable("chunk " + chunk.index() + " wrote segment " + segments.get(k)
                            + " of " + v.name() + " where " + expected + " belongs");
                }
            }
            if (last ? segments.size() < chunk.segments() : segments.size() != chunk.segments()) {
                throw JobFailure.retryable(String.format(Locale.ROOT,
                        "chunk %d wrote %d segments of %s instead of %d", chunk.index(), segments.size(), v.name(),
                        chunk.segments()));
            }
        }
    }

    /**
     * The one-ffmpeg command narrowed to one chunk: an input seek to its start and a read limit
     * of its length (the last chunk reads to the end), and the output shifted to its place and
     * numbered from its first segment.
     */
    static List<String> chunkCommand(List<String> whole, ChunkPlan.Chunk chunk, boolean last, double shift) {
        List<String> command = new ArrayList<>(whole);
        int output = hlsOutput(command);
        int input = command.indexOf("-i");
        if (input < 0) {
            throw new IllegalStateException("the ladder command has no input");
        }
        String start = Integer.toString(chunk.startSeconds());
        command.addAll(output, List.of("-output_ts_offset", seconds(chunk.startSeconds() + shift),
                "-start_number", Integer.toString(chunk.firstSegment())));
        List<String> seek = new ArrayList<>(List.of("-ss", start));
        if (!last) {
            seek.addAll(List.of("-t", String.format(Locale.ROOT, "%.3f", chunk.seconds())));
        }
        // Before -f and -i: input options, so ffmpeg seeks in the demuxer instead of decoding up to the start.
        int demuxer = command.get(input - 2).equals("-f") ? input - 2 : input;
        command.addAll(demuxer, seek);
        return command;
    }

    /** Where the HLS output of a ladder command begins: its {@code -f hls}. */
    private static int hlsOutput(List<String> command) {
        for (int i = command.size() - 2; i >= 0; i--) {
            if (command.get(i).equals("-f") && command.get(i + 1).equals("hls")) {
                return i;
            }
        }
        throw new IllegalStateException("the ladder command has no HLS output");
    }

    private static String seconds(double value) {
        return String.format(Locale.ROOT, "%.6f", value);
    }

    /**
     * The time every part of a chunked video puts before its first sample, so that no stream of any
     * part starts below zero and the muxer never moves one part on its own. The streams start early
     * by the AAC encoder's {@value #AAC_PRIMING} priming samples and by the video encoder's reorder
     * delay (B-frames are sent before the frames they follow); a one-ffmpeg ladder is moved by the
     * larger of the two, but a chunk holds no audio and the audio part no video, so each would be
     * moved by its own. The video's delay is taken at its bound, {@value #MAX_REORDER_FRAMES} frames
     * (x264's B-pyramid), whatever the preset: a chunk never knows what the others' encoders chose.
     * Only a video with a known frame rate is chunked ({@link ChunkedEncode#plan}).
     */
    double chunkShift(MediaInfo media) {
        double priming = settings.audioRenditions(media).stream().filter(track -> track.sampleRate() > 0)
                .mapToDouble(track -> (double) AAC_PRIMING / track.sampleRate()).max().orElse(0);
        double frameRate = VideoChain.frameRate(media, settings.videoChain());
        return Math.max(priming, MAX_REORDER_FRAMES / frameRate);
    }

    /** Samples of silence ffmpeg's AAC encoder puts before the first one of the source. */
    static final int AAC_PRIMING = 1024;

    /** The most frames an H.264 encoder here sends ahead of their display (x264's B-pyramid). */
    static final int MAX_REORDER_FRAMES = 2;

    /**
     * Writes what a chunked video has besides its video segments and pictures into {@code outDir}:
     * the audio renditions and the whole WebVTT files of its subtitles, from one ffmpeg over the
     * whole source that decodes no video (audio is encoded once as its own rendition, so it never
     * meets a chunk boundary).
     */
    void encodeRest(Path source, MediaInfo media, Path outDir, JobContext context)
            throws JobFailure, IOException, InterruptedException {
        List<MediaInfo.AudioTrack> audio = settings.audioRenditions(media);
        Files.createDirectories(outDir);
        createRenditionFolders(outDir, media);
        if (audio.isEmpty() && media.subtitles().isEmpty()) {
            return;
        }
        List<String> command = FfmpegLadderCommand.build(settings.withoutPictures(), media, List.of(), source, outDir);
        if (audio.isEmpty()) {
            command = withoutLadderOptions(command);
        } else {
            // The audio keeps the clock of the chunks' video (see chunkShift).
            command.addAll(hlsOutput(command), List.of("-output_ts_offset", seconds(chunkShift(media))));
        }
        metrics.recordCpu(runFfmpeg(command, media, null, context));
    }

    /** The folders ffmpeg writes the audio, surround and subtitle renditions of {@code media} into. */
    private void createRenditionFolders(Path outDir, MediaInfo media) throws IOException {
        for (int j = 0; j < settings.audioRenditions(media).size(); j++) {
            Files.createDirectories(outDir.resolve(FfmpegLadderCommand.audioFolder(j)));
        }
        for (int j = 0; j < settings.surroundRenditions(media).size(); j++) {
            Files.createDirectories(outDir.resolve(FfmpegLadderCommand.surroundFolder(j)));
        }
        for (int k = 0; k < media.subtitles().size(); k++) {
            Files.createDirectories(outDir.resolve(FfmpegLadderCommand.subtitleFolder(k)));
        }
    }

    /**
     * The command without the options of the HLS output, for a source without audio: with no
     * variant and no audio rendition there is no such output, and ffmpeg would give its x264
     * options to the next output (a subtitle file, the picture frames), whose encoders refuse them.
     */
    static List<String> withoutLadderOptions(List<String> command) {
        int graph = command.indexOf("-filter_complex");
        int from = graph >= 0 ? graph + 2 : command.indexOf("-i") + 2;
        int to = command.subList(from, command.size()).indexOf("-map");
        List<String> kept = new ArrayList<>(command.subList(0, from));
        if (to >= 0) {
            kept.addAll(command.subList(from + to, command.size()));
        }
        return kept;
    }

    /**
     * Puts a chunked video's ladder together in {@code outDir}: every variant's segments from the
     * chunk folders (in order) under one playlist, the poster and storyboard from the frames the
     * chunks wrote, the audio and subtitles from {@code restDir}; then checks, measures and lists it
     * as a one-ffmpeg ladder is, master last.
     *
     * @param pictures the pictures in {@code restDir}, which an earlier version's last part made
     */
    Result assemble(MediaInfo media, List<Path> chunkDirs, Path restDir, List<String> pictures, Path outDir,
            JobContext context) throws JobFailure, IOException, InterruptedException {
        List<PlannedVariant> variants = LadderPlanner.plan(media, settings);
        long started = System.nanoTime();
        for (PlannedVariant v : variants) {
            Path dir = Files.createDirectories(outDir.resolve(v.name()));
            List<String> header = new ArrayList<>();
            List<String> body = new ArrayList<>();
            for (int c = 0; c < chunkDirs.size(); c++) {
                Path chunkDir = chunkDirs.get(c).resolve(v.name());
                List<String> lines = Files.readAllLines(chunkDir.resolve("index.m3u8"), StandardCharsets.UTF_8);
                boolean media0 = true;
                for (String line : lines) {
                    String l = line.strip();
                    if (l.isEmpty() || l.equals("#EXT-X-ENDLIST")) {
                        continue;
                    }
                    if (l.startsWith("#EXTINF:")) {
                        media0 = false;
                    }
                    if (media0) {
                        if (c == 0) {
                            header.add(l.startsWith("#EXT-X-MEDIA-SEQUENCE:") ? "#EXT-X-MEDIA-SEQUENCE:0" : l);
                        }
                        continue;
                    }
                    if (!l.startsWith("#")) {
                        place(chunkDir.resolve(l), dir.resolve(l));
                    }
                    body.add(l);
                }
            }
            List<String> playlist = new ArrayList<>(header);
            playlist.addAll(body);
            playlist.add("#EXT-X-ENDLIST");
            Files.write(dir.resolve("index.m3u8"), playlist, StandardCharsets.UTF_8);
        }
        if (restDir != null) {
            copyTree(restDir, outDir);
        }
        List<String> made = chunkPictures(media, chunkDirs, outDir);
        return finish(outDir, media, variants, context, null, (System.nanoTime() - started) / 1e9, 0,
                made.isEmpty() ? pictures : made);
    }

    /** The folder in a chunk's output that holds the frames of its poster candidates and thumbnails. */
    static final String CHUNK_PICTURES = "pictures";

    /**
     * The poster and storyboard from the frames the chunks wrote (numbered for the whole video, so
     * they go into one folder as they are); none when pictures are off or the chunks wrote none
     * (chunks of an earlier version, whose last part made the pictures: {@code assemble} keeps those).
     */
    private List<String> chunkPictures(MediaInfo media, List<Path> chunkDirs, Path outDir)
            throws JobFailure, IOException, InterruptedException {
        if (!settings.pictures().enabled()) {
            return List.of();
        }
        Path work = Files.createDirectories(Pictures.workDir(outDir));
        try {
            boolean any = false;
            for (Path chunkDir : chunkDirs) {
                Path frames = chunkDir.resolve(CHUNK_PICTURES);
                if (Files.isDirectory(frames)) {
                    copyTree(frames, work);
                    any = true;
                }
            }
            return any ? Pictures.finish(outDir, media, settings.pictures(), settings.binaries().ffmpeg()) : List.of();
        } finally {
            Pictures.deleteTree(work);
        }
    }

    /** A staged file in the ladder: linked when on the same disk (staging is local), copied otherwise. */
    private static void place(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    place(file, target);
                }
            }
        }
    }

    /**
     * Checks, measures and lists what the encode wrote into {@code outDir}: the variant and
     * rendition playlists, I-frame playlists, segmented subtitles, and last the master playlist.
     */
    private Result finish(Path outDir, MediaInfo media, List<PlannedVariant> variants, JobContext context,
            SegmentEncryption.VideoKey key, double wall, double cpu, List<String> pictures)
            throws JobFailure, IOException, InterruptedException {
        List<MediaInfo.AudioTrack> audio = settings.audioRenditions(media);
        List<MediaInfo.AudioTrack> surround = settings.surroundRenditions(media);
        List<MasterPlaylist.VariantStats> stats = new ArrayList<>();
        VideoFacts first = null;
        for (PlannedVariant v : variants) {
            Path dir = outDir.resolve(v.name());
            LadderCheck.verifyVariant(outDir, v.name() + "/index.m3u8");
            MasterPlaylist.fixTargetDuration(dir.resolve("index.m3u8"));
            VariantProbe probe = VariantProbe.read(dir, settings.binaries().ffprobe());
            VideoFacts facts = videoFacts(probe, dir, v, media);
            first = first == null ? facts : first;
            // AES-128 encrypts whole segments, whose parts cannot be decrypted on their own: an
            // encrypted ladder has no I-frame playlists.
            MasterPlaylist.Measured iFrames = key == null
                    ? IFramePlaylist.write(dir, settings.profile().container(), probe) : null;
            if (key != null) {
                key.encryptVariant(dir);
            }
            MasterPlaylist.Measured measured = MasterPlaylist.measure(dir);
            checkComplete(measured.seconds(), media);
            stats.add(new MasterPlaylist.VariantStats(v, measured.peakBitsPerSecond(),
                    measured.averageBitsPerSecond(), facts.codecs(), VideoChain.frameRate(media, settings.videoChain()),
                    iFrames));
        }
        List<MasterPlaylist.AudioRendition> audioRenditions = new ArrayList<>();
        for (int j = 0; j < audio.size(); j++) {
            audioRenditions.add(audioRendition(outDir, MasterPlaylist.AUDIO_GROUP, FfmpegLadderCommand.audioFolder(j),
                    audio.get(j), j, 2, AAC_LC, key));
        }
        for (int j = 0; j < surround.size(); j++) {
            audioRenditions.add(audioRendition(outDir, MasterPlaylist.SURROUND_GROUP,
                    FfmpegLadderCommand.surroundFolder(j), surround.get(j), j,
                    EncodeSettings.surroundChannels(surround.get(j)), settings.profile().surround().codecs(), key));
        }
        List<MasterPlaylist.SubtitleRendition> subtitles = new ArrayList<>();
        List<Double> segmentSeconds = MasterPlaylist.segmentDurations(outDir.resolve(variants.getFirst().name())
                .resolve("index.m3u8"));
        for (int k = 0; k < media.subtitles().size(); k++) {
            MediaInfo.SubtitleTrack track = media.subtitles().get(k);
            String folder = FfmpegLadderCommand.subtitleFolder(k);
            SubtitleSegmenter.segment(outDir.resolve(folder).resolve(FfmpegLadderCommand.WHOLE_SUBTITLES),
                    segmentSeconds, first.startSeconds());
            subtitles.add(new MasterPlaylist.SubtitleRendition(folder + "/index.m3u8", track.language(),
                    MasterPlaylist.displayName(track.title(), track.language(), k), track.isDefault(), track.forced()));
        }
        List<Rendition> renditions = MasterPlaylist.write(outDir, stats, new MasterPlaylist.Renditions(audioRenditions, subtitles,
                first.closedCaptions()), settings.profile().container());
        if (!media.leftOut().isEmpty()) {
            context.progress(1, String.join("; ", media.leftOut()));
        }
        return new Result(variants, wall, cpu, pictures, renditions);
    }

    /**
     * Checks, encrypts when asked, and measures the written audio rendition of {@code track} (the
     * {@code index}-th of its group); its name is the same in every group, as the same sound is.
     */
    private static MasterPlaylist.AudioRendition audioRendition(Path outDir, String group, String folder,
            MediaInfo.AudioTrack track, int index, int channels, String codecs, SegmentEncryption.VideoKey key)
            throws JobFailure, IOException {
        LadderCheck.verifyVariant(outDir, folder + "/index.m3u8");
        MasterPlaylist.fixTargetDuration(outDir.resolve(folder).resolve("index.m3u8"));
        if (key != null) {
            key.encryptVariant(outDir.resolve(folder));
        }
        MasterPlaylist.Measured measured = MasterPlaylist.measure(outDir.resolve(folder));
        return new MasterPlaylist.AudioRendition(group, folder + "/index.m3u8", track.language(),
                MasterPlaylist.displayName(track.title(), track.language(), index), index == 0, channels, codecs,
                measured.peakBitsPerSecond(), measured.averageBitsPerSecond());
    }

    /** RFC 6381 codec of the AAC-LC audio the encoder writes. */
    static final String AAC_LC = "mp4a.40.2";

    /**
     * Refuses to start when the scratch disk cannot hold the ladder at its peak bitrates: better a
     * quick retry elsewhere than an encode that dies at 90 %.
     */
    private static void checkFreeSpace(Path outDir, MediaInfo media, List<PlannedVariant> variants)
            throws IOException, JobFailure {
        long kbps = variants.stream().mapToLong(v -> v.maxKbps() + 256L).sum();
        long needed = (long) (media.durationSeconds() * kbps * 1000 / 8 * 1.2) + (16L << 20);
        long free = Files.getFileStore(outDir).getUsableSpace();
        if (free < needed) {
            throw JobFailure.retryable(String.format(Locale.ROOT,
                    "the encoder's disk is full: the ladder needs about %d MiB, %d MiB are free", needed >> 20, free >> 20));
        }
    }

    /**
     * A source that decodes to much less than its header promised is cut off (ffmpeg reads a
     * truncated file to its end without failing); such a ladder would look complete and is not.
     */
    private static void checkComplete(double encodedSeconds, MediaInfo media) throws JobFailure {
        double missing = media.durationSeconds() - encodedSeconds;
        if (missing > Math.max(1.0, media.durationSeconds() * 0.05)) {
            throw JobFailure.permanent(String.format(Locale.ROOT,
                    "the video ends after %.1f s although its header says %.1f s; the file is probably truncated",
                    encodedSeconds, media.durationSeconds()));
        }
    }

    /**
     * Runs ffmpeg under the watchdog; returns the CPU seconds it used (sampled, so slightly low).
     * Progress comes from ffmpeg's reports, and before the first of them from the segments of
     * {@code firstVariant} (the folder of the ladder's first video variant; {@code null} when the
     * run writes no video).
     */
    private double runFfmpeg(List<String> command, MediaInfo media, Path firstVariant, JobContext context)
            throws JobFailure, IOException, InterruptedException {
        Process ffmpeg = ChildProcesses.start(new ProcessBuilder(command));
        Progress progress = new Progress();
        StringBuilder errors = new StringBuilder();
        Thread errorReader = Thread.ofVirtual().start(() -> collect(ffmpeg, errors));
        Thread progressReader = Thread.ofVirtual().start(() -> progress.read(ffmpeg));
        Duration stall = settings.encode().stallTimeout();
        Duration limit = settings.timeLimit(media.durationSeconds());
        long start = System.nanoTime();
        double cpu = 0;
        long reported = -1;
        double shownSeconds = 0;
        // When ffmpeg last used another `busy` seconds of CPU, and how much it had used by then.
        double busy = Math.min(BUSY_CPU_SECONDS, stall.toMillis() / 10_000.0);
        long busySince = start;
        double busyCpu = 0;
        try {
            while (!ffmpeg.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                cpu = Math.max(cpu, cpuSeconds(ffmpeg));
                long now = System.nanoTime();
                if (cpu - busyCpu >= busy) {
                    busyCpu = cpu;
                    busySince = now;
                }
                long reports = progress.reports;
                double position = reports > 0 ? progress.outSeconds : writtenSeconds(firstVariant);
                if (reports != reported || position > shownSeconds) {
                    reported = reports;
                    shownSeconds = Math.max(shownSeconds, position);
                    context.progress(Math.min(1, shownSeconds / Math.max(0.001, media.durationSeconds())),
                            progress.speed);
                }
                if (now - Math.max(progress.lastAdvance(start), busySince) > stall.toNanos()) {
                    throw JobFailure.retryable("ffmpeg made no progress and used no CPU for " + HumanUnits.duration(stall)
                            + " (stuck at " + String.format(Locale.ROOT, "%.1f", progress.outSeconds)
                            + " s of the video) and was stopped");
                }
                if (now - start > limit.toNanos()) {
                    throw JobFailure.retryable("the encode took longer than its limit of " + HumanUnits.duration(limit) + " for a "
                            + String.format(Locale.ROOT, "%.0f", media.durationSeconds()) + " s video and was stopped");
                }
            }
            progressReader.join(Duration.ofSeconds(5));
            errorReader.join(Duration.ofSeconds(5));
            int exit = ffmpeg.exitValue();
            if (exit != 0) {
                throw failure(exit, errors.toString());
            }
            return cpu;
        } finally {
            ChildProcesses.kill(ffmpeg);
        }
    }

    /**
     * How much video the run has written, from the segments in {@code variant}: all but the newest,
     * which ffmpeg is still writing, times the segment length. ffmpeg reports nothing until every
     * output has its first frame, and the first poster candidate comes a sixteenth of the way into
     * the video: without this, a long video would show 0 % for minutes while its segments are
     * written.
     */
    private double writtenSeconds(Path variant) {
        if (variant == null) {
            return 0;
        }
        String extension = settings.profile().container().extension();
        try (Stream<Path> files = Files.list(variant)) {
            long segments = files.map(file -> file.getFileName().toString())
                    .filter(name -> name.startsWith(FfmpegLadderCommand.SEGMENT_PREFIX) && name.endsWith(extension)).count();
            return Math.max(0, segments - 1) * (double) settings.profile().segmentSeconds();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** Sorts a failed ffmpeg run into "try again" and "this input will never work". */
    static JobFailure failure(int exit, String stderr) {
        String lower = stderr.toLowerCase(Locale.ROOT);
        String first = Prober.firstLine(stderr.strip());
        if (JobFailure.diskFull(stderr)) {
            return JobFailure.retryable("the encoder's scratch disk is full");
        }
        if (exit > 128 && exit < 160) {
            return JobFailure.retryable("ffmpeg was killed by signal " + (exit - 128)
                    + (exit - 128 == 9 ? " (out of memory, or stopped from outside)" : ""));
        }
        if (lower.contains("invalid data found when processing input") || lower.contains("moov atom not found")) {
            return JobFailure.permanent("the video could not be decoded: " + first);
        }
        return JobFailure.retryable("ffmpeg failed with exit code " + exit + ": " + (stderr.isBlank() ? "no message" : first));
    }

    private static double cpuSeconds(Process process) {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    /** The latest {@code -progress} report of one ffmpeg run, written by its reader thread. */
    private static final class Progress {

        volatile double outSeconds;
        volatile String speed = "";
        volatile long reports;
        private volatile long lastAdvanceNanos;

        long lastAdvance(long start) {
            long last = lastAdvanceNanos;
            return last == 0 ? start : last;
        }

        void read(Process ffmpeg) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(ffmpeg.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("out_time_us=")) {
                        double seconds = parseMicros(line.substring(12));
                        if (seconds > outSeconds) {
                            outSeconds = seconds;
                            lastAdvanceNanos = System.nanoTime();
                        }
                    } else if (line.startsWith("speed=")) {
                        speed = line.substring(6).strip();
                    } else if (line.startsWith("progress=")) {
                        reports++;
                    }
                }
            } catch (IOException closed) {
                // ffmpeg was killed; the watchdog already knows why.
            }
        }

        private static double parseMicros(String micros) {
            try {
                return Long.parseLong(micros.strip()) / 1_000_000.0;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    private static void collect(Process process, StringBuilder sink) {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null) {
                synchronized (sink) {
                    if (sink.length() < 8000) {
                        sink.append(line).append('\n');
                    }
                }
            }
        } catch (IOException closed) {
            // The process was killed; what was read so far is enough for the reason.
        }
    }

    /**
     * What the master playlist needs to know about a written video variant.
     *
     * @param codecs the CODECS of its own streams (video, and audio when it is muxed in)
     * @param startSeconds presentation time of its first frame, which subtitle cue time 0 maps to
     * @param closedCaptions whether its video carries CEA-608/708 captions
     */
    record VideoFacts(String codecs, double startSeconds, boolean closedCaptions) {
    }

    /**
     * What the master playlist needs of a variant read back: CODECS from the profile and level of
     * the H.264 it really contains (of HEVC, from its init segment), its start time and whether
     * captions came through. The variant's own files are read, so the answer is the same for
     * MPEG-TS and fMP4 (whose init segment alone carries no level).
     */
    private VideoFacts videoFacts(VariantProbe probe, Path variantDir, PlannedVariant variant, MediaInfo media)
            throws IOException, JobFailure {
        Map<String, String> stream = probe.videoStream();
        long level = probe.streamNumber("level");
        if (!stream.containsKey("profile") || level <= 0) {
            throw JobFailure.retryable("the encoded " + variantDir.getFileName() + " variant could not be read back");
        }
        String codecName = stream.getOrDefault("codec_name", "");
        if (variant.hdr() != "hevc".equals(codecName)) {
            throw JobFailure.retryable("the encoded " + variantDir.getFileName() + " variant holds "
                    + codecName + " video, not what was asked for");
        }
        // HEVC's codec string carries flags that only the init segment's configuration record holds.
        String video = variant.hdr() ? MasterPlaylist.hevcCodec(variantDir.resolve(probe.playlist().map()))
                : MasterPlaylist.avcCodec(stream.get("profile"), (int) level);
        boolean muxedAudio = media.hasAudio() && settings.renditions().muxedAudio();
        return new VideoFacts(muxedAudio ? video + "," + AAC_LC : video, probe.startSeconds(),
                probe.streamNumber("closed_captions") == 1);
    }
}
