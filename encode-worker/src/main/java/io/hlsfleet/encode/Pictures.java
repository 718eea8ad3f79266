package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.worker.ChildProcesses;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The pictures published beside every ladder: a poster ({@code poster.jpg}, {@code poster.webp})
 * and a storyboard for seek previews ({@code storyboard/thumbnails.vtt} pointing into sprite
 * sheets {@code storyboard/sprite_NNN.jpg} with {@code #xywh=} fragments).
 *
 * <p>The frames come out of the ladder's own ffmpeg run, after deinterlacing and tone mapping, so
 * they cost no second decode and look like the video: {@link #graph} adds two branches to its
 * filter graph and {@link #outputs} writes their frames as PNG files into a work folder. Once ffmpeg
 * has finished, {@link #finish} picks the poster among a few evenly spread candidates by the
 * entropy of their brightness (a black frame or a fade has little; a detailed scene has much) and
 * tiles the thumbnails into sprite sheets.
 */
final class Pictures {

    static final String POSTER_JPEG = "poster.jpg";
    static final String POSTER_WEBP = "poster.webp";
    static final String STORYBOARD = "storyboard/thumbnails.vtt";

    /** How many evenly spread frames compete for the poster. */
    static final int CANDIDATES = 8;

    /**
     * What {@link PicturesProperties} asked for, checked.
     *
     * @param enabled make a poster and a storyboard for every video
     * @param posterHeight the poster's short side, never above the source's
     * @param interval one storyboard thumbnail every this long
     * @param thumbnailWidth width of a thumbnail
     * @param columns thumbnails per sprite row
     * @param rows sprite rows per sheet
     */
    record Settings(boolean enabled, int posterHeight, Duration interval, int thumbnailWidth, int columns, int rows) {

        static final Settings DEFAULT = new Settings(true, 720, Duration.ofSeconds(5), 160, 5, 5);

        Settings {
            if (posterHeight < 16 || thumbnailWidth < 16 || columns < 1 || rows < 1 || interval.toMillis() < 100) {
                throw new IllegalArgumentException("pictures: the poster height and thumbnail width must be at least 16,"
                        + " the storyboard interval at least 100 ms and its grid at least 1x1");
            }
        }

        static Settings from(PicturesProperties properties) {
            String grid = properties.storyboardGrid();
            String[] size = grid.toLowerCase(Locale.ROOT).split("x");
            int columns;
            int rows;
            try {
                columns = Integer.parseInt(size[0].strip());
                rows = Integer.parseInt(size[1].strip());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("HLSFLEET_PICTURES_STORYBOARD_GRID=" + grid
                        + " is not COLUMNSxROWS, e.g. 5x5", e);
            }
            return new Settings(properties.enabled(), properties.posterHeight(), properties.storyboardInterval(),
                    properties.storyboardWidth(), columns, rows);
        }
    }

    /** Output sizes of the poster and of one thumbnail, from the displayed size of the source. */
    record Sizes(int posterWidth, int posterHeight, int thumbnailWidth, int thumbnailHeight) {

        static Sizes of(MediaInfo media, Settings settings) {
            double scale = Math.min(1, (double) settings.posterHeight() / media.shortSide());
            int thumbnailWidth = Math.min(settings.thumbnailWidth(), even(media.width()));
            // Thumbnails are RGB tiles of a JPEG sheet, so they need no even size.
            return new Sizes(even(media.width() * scale), even(media.height() * scale), thumbnailWidth,
                    Math.max(1, (int) Math.round((double) thumbnailWidth * media.height() / media.width())));
        }

        private static int even(double value) {
            return Math.max(2, (int) Math.round(value / 2) * 2);
        }
    }

    private Pictures() {
    }

    /** The work folder where ffmpeg leaves the frames, beside the ladder so it is never published. */
    static Path workDir(Path outDir) {
        return outDir.resolveSibling(outDir.getFileName() + ".pictures");
    }

    /**
     * The picture branches the target has moments for, by the labels of the split that feeds them:
     * {@code poster} and {@code thumbs} for a whole video; a chunk may have no poster candidate, or
     * (with a long storyboard interval) no thumbnail. A branch without moments would hold back
     * ffmpeg's progress reports to its end: they start once every output has its first frame.
     */
    static List<String> branches(Target target, Settings settings) {
        List<String> branches = new ArrayList<>();
        if (candidates(target).count() != 0) {
            branches.add(POSTER_BRANCH);
        }
        if (thumbnails(target, settings).count() != 0) {
            branches.add(THUMBS_BRANCH);
        }
        return branches;
    }

    private static final String POSTER_BRANCH = "poster";
    private static final String THUMBS_BRANCH = "thumbs";

    /**
     * The filter graph's picture branches ({@link #branches}), fed from the split labels
     * {@code poster} and {@code thumbs}: evenly spread poster candidates and one thumbnail every
     * interval, those whose moments fall in the target's window. Each branch counts time from its
     * first frame (so a first frame a few milliseconds after zero, as in Matroska, is not rounded
     * away), drops the frames before its first moment, and rounds up, so picture k is the frame on
     * its moment or the last one before it (by default fps would take the frame half a step later,
     * and only once it has seen that frame: a late first picture holds back ffmpeg's progress).
     */
    static String graph(Target target, Settings settings) {
        MediaInfo media = target.video();
        Sizes sizes = Sizes.of(media, settings);
        double frame = media.frameRate() > 0 ? 1 / media.frameRate() : 0;
        List<String> branches = branches(target, settings);
        StringBuilder graph = new StringBuilder();
        if (branches.contains(POSTER_BRANCH)) {
            graph.append(String.format(Locale.ROOT, ";[%s]setpts=PTS-STARTPTS,%sfps=%d/%.3f:round=up,scale=%d:%d"
                    + ":flags=bicubic,setsar=1,format=rgb24[posterout]", POSTER_BRANCH,
                    Moments.skipTo(candidates(target), frame), CANDIDATES, candidateSpan(media), sizes.posterWidth(),
                    sizes.posterHeight()));
        }
        if (branches.contains(THUMBS_BRANCH)) {
            graph.append(String.format(Locale.ROOT, ";[%s]setpts=PTS-STARTPTS,%sfps=1000/%d:round=up,scale=%d:%d"
                    + ":flags=bicubic,setsar=1,format=rgb24[thumbsout]", THUMBS_BRANCH,
                    Moments.skipTo(thumbnails(target, settings), frame), settings.interval().toMillis(),
                    sizes.thumbnailWidth(), sizes.thumbnailHeight()));
        }
        return graph.toString();
    }

    /**
     * ffmpeg outputs for the branches, into the target's folder; they follow the ladder's output
     * in the command. A chunk's frames are numbered for the whole video, so that the frames of every
     * chunk of it can be put in one folder.
     */
    static List<String> outputs(Target target, Settings settings) {
        List<String> branches = branches(target, settings);
        List<String> out = new ArrayList<>();
        if (branches.contains(POSTER_BRANCH)) {
            out.addAll(List.of("-map", "[posterout]"));
            out.addAll(Moments.options(candidates(target)));
            // Stored without compression: a candidate is read once and then dropped, and deflating
            // eight detailed 720p frames cost ffmpeg 0.4 CPU s per video, a third of its decode.
            out.addAll(List.of("-compression_level", "0"));
            out.add(target.dir().resolve("candidate_%03d.png").toString());
        }
        if (branches.contains(THUMBS_BRANCH)) {
            out.addAll(List.of("-map", "[thumbsout]"));
            out.addAll(Moments.options(thumbnails(target, settings)));
            out.add(target.dir().resolve("thumb_%05d.png").toString());
        }
        return out;
    }

    /** The poster candidates are spread over this span: {@link #CANDIDATES} of them, at even steps. */
    private static double candidateSpan(MediaInfo media) {
        return Math.max(0.1, media.durationSeconds());
    }

    /** Poster candidate k is at (k + ½) steps: none on the first frame or the last, often black. */
    private static Moments candidates(Target target) {
        return target.window().moments(candidateSpan(target.video()) / CANDIDATES, 0.5);
    }

    /** Thumbnail k is at k intervals, where its cue starts. */
    private static Moments thumbnails(Target target, Settings settings) {
        return target.window().moments(settings.interval().toMillis() / 1000.0, 0);
    }

    /**
     * Where the pictures of one ffmpeg run come from and go.
     *
     * @param video the whole video, whose length spreads the poster candidates
     * @param window the stretch of it the run decodes: the whole video, or one chunk
     * @param dir the folder the frames are written to (a chunk's is stored with it)
     */
    record Target(MediaInfo video, Window window, Path dir) {

        /** The whole video's frames, into the work folder beside its ladder {@code outDir}. */
        static Target whole(MediaInfo video, Path outDir) {
            return new Target(video, Window.whole(), workDir(outDir));
        }
    }

    /**
     * The stretch of the video one ffmpeg run decodes, its frames' timestamps counted from its
     * start: the whole video, or one chunk of a chunked video, which then makes the poster
     * candidates and thumbnails whose moments fall in it.
     *
     * @param start where the stretch starts in the video, in seconds
     * @param seconds its length; {@code 0}: to the end of the video
     */
    record Window(double start, double seconds) {

        static Window whole() {
            return new Window(0, 0);
        }

        /** The moments {@code (k + phase) × step} that fall in this stretch. */
        Moments moments(double step, double phase) {
            int first = (int) Math.ceil(start / step - phase - 1e-6);
            int count = seconds == 0 ? -1
                    : Math.max(0, (int) Math.ceil((start + seconds) / step - phase - 1e-6) - first);
            return new Moments(first, count, (first + phase) * step - start);
        }
    }

    /**
     * The moments of one kind (poster candidates or thumbnails) in a {@link Window}.
     *
     * @param first the number of the first, counted from 0 over the whole video
     * @param count how many fall in the window; {@code -1}: all to the end of the video
     * @param offset how far into the window the first one is, in seconds
     */
    record Moments(int first, int count, double offset) {

        /**
         * Filters that drop the frames before the first moment (less half a frame, so the frame
         * on the moment itself is kept) and count time from there.
         */
        static String skipTo(Moments moments, double frame) {
            if (moments.offset() <= 0) {
                return "";
            }
            return String.format(Locale.ROOT, "trim=start=%.4f,setpts=PTS-STARTPTS,",
                    Math.max(0, moments.offset() - frame / 2));
        }

        /**
         * The image2 output options: PNG, numbered from the first moment, and no frame past the
         * window's last moment (fps may add one at the end).
         */
        static List<String> options(Moments moments) {
            List<String> options = new ArrayList<>();
            if (moments.count() >= 0) {
                options.addAll(List.of("-frames:v", Integer.toString(moments.count())));
            }
            options.addAll(List.of("-c:v", "png", "-f", "image2", "-start_number",
                    Integer.toString(moments.first() + 1)));
            return options;
        }
    }

    /**
     * Writes the poster and the storyboard into {@code outDir} from the frames ffmpeg left in the work
     * folder (which the caller removes).
     *
     * @return the published names of the pictures, relative to the ladder folder
     */
    static List<String> finish(Path outDir, MediaInfo media, Settings settings, String ffmpeg)
            throws IOException, InterruptedException, JobFailure {
        Path work = workDir(outDir);
        List<String> names = new ArrayList<>(writePoster(work, outDir, ffmpeg));
        names.addAll(writeStoryboard(work, outDir, media, settings));
        return names;
    }

    private static List<String> writePoster(Path work, Path outDir, String ffmpeg)
            throws IOException, InterruptedException, JobFailure {
        Path best = null;
        double bestScore = -1;
        for (Path candidate : files(work, "candidate_")) {
            double score = score(read(candidate));
            if (score > bestScore) {
                best = candidate;
                bestScore = score;
            }
        }
        if (best == null) {
            throw JobFailure.retryable("the encoder wrote no poster candidate");
        }
        writeJpeg(read(best), outDir.resolve(POSTER_JPEG), 0.9f);
        Process webp = ChildProcesses.start(new ProcessBuilder(ffmpeg, "-nostdin", "-y", "-v", "error",
                "-i", best.toString(), "-c:v", "libwebp", "-quality", "85", outDir.resolve(POSTER_WEBP).toString())
                .redirectErrorStream(true));
        try {
            String log = new String(webp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!webp.waitFor(60, TimeUnit.SECONDS) || webp.exitValue() != 0) {
                throw JobFailure.retryable("the WebP poster could not be written: " + Prober.firstLine(log.strip()));
            }
        } finally {
            ChildProcesses.kill(webp);
        }
        return List.of(POSTER_JPEG, POSTER_WEBP);
    }

    /**
     * How much a frame shows: the entropy (bits) of its brightness histogram, so black frames,
     * fades and flat title cards lose to detailed scenes.
     */
    static double score(BufferedImage image) {
        long[] histogram = new long[256];
        int w = image.getWidth();
        int h = image.getHeight();
        // A row at a time, from the raster when it holds 8-bit red, green and blue: getRGB converts
        // every pixel through the colour model, which cost more CPU than the rest of the pictures.
        if (isEightBitRgb(image)) {
            Raster raster = image.getRaster();
            int bands = raster.getNumBands();
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int at = 0; at < row.length; at += bands) {
                    histogram[luma(row[at], row[at + 1], row[at + 2])]++;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int rgb : row) {
                    histogram[luma((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF)]++;
                }
            }
        }
        double total = (double) w * h;
        double entropy = 0;
        for (long count : histogram) {
            if (count > 0) {
                double p = count / total;
                entropy -= p * Math.log(p) / Math.log(2);
            }
        }
        return entropy;
    }

    /** Brightness from 0 to 255 (BT.601 weights). */
    private static int luma(int r, int g, int b) {
        return (299 * r + 587 * g + 114 * b) / 1000;
    }

    /** Whether the raster's bands are red, green, blue (and maybe alpha), 8 bits each, as ffmpeg's rgb24 PNGs. */
    private static boolean isEightBitRgb(BufferedImage image) {
        ColorModel model = image.getColorModel();
        if (model instanceof IndexColorModel || !model.getColorSpace().isCS_sRGB() || model.getNumColorComponents() != 3) {
            return false;
        }
        for (int size : image.getSampleModel().getSampleSize()) {
            if (size != 8) {
                return false;
            }
        }
        return true;
    }

    private static List<String> writeStoryboard(Path work, Path outDir, MediaInfo media, Settings settings)
            throws IOException, JobFailure {
        List<Path> thumbnails = files(work, "thumb_");
        double interval = settings.interval().toMillis() / 1000.0;
        // fps may add a frame at the very end; a sliver under 5 % of an interval gets no thumbnail of
        // its own (the last cue runs to the end instead).
        int count = (int) Math.min(thumbnails.size(), Math.max(1, Math.ceil(media.durationSeconds() / interval - 0.05)));
        if (count == 0 || thumbnails.isEmpty()) {
            throw JobFailure.retryable("the encoder wrote no storyboard thumbnail");
        }
        Path dir = outDir.resolve("storyboard");
        Files.createDirectories(dir);
        int perSheet = settings.columns() * settings.rows();
        StringBuilder vtt = new StringBuilder("WEBVTT\n");
        List<String> names = new ArrayList<>();
        BufferedImage sheet = null;
        int tileW = 0;
        int tileH = 0;
        for (int i = 0; i < count; i++) {
            BufferedImage thumbnail = read(thumbnails.get(i));
            int slot = i % perSheet;
            if (slot == 0) {
                tileW = thumbnail.getWidth();
                tileH = thumbnail.getHeight();
                int sheetCount = Math.min(perSheet, count - i);
                int columns = Math.min(settings.columns(), sheetCount);
                int rows = (sheetCount + settings.columns() - 1) / settings.columns();
                sheet = new BufferedImage(columns * tileW, rows * tileH, BufferedImage.TYPE_INT_RGB);
            }
            int x = (slot % settings.columns()) * tileW;
            int y = (slot / settings.columns()) * tileH;
            Graphics2D graphics = sheet.createGraphics();
            graphics.drawImage(thumbnail, x, y, null);
            graphics.dispose();
            String sprite = String.format(Locale.ROOT, "sprite_%03d.jpg", i / perSheet + 1);
            double start = i * interval;
            double end = i == count - 1 ? media.durationSeconds() : (i + 1) * interval;
            vtt.append('\n').append(timestamp(start)).append(" --> ").append(timestamp(end)).append('\n')
                    .append(sprite).append("#xywh=").append(x).append(',').append(y).append(',').append(tileW)
                    .append(',').append(tileH).append('\n');
            if (slot == perSheet - 1 || i == count - 1) {
                writeJpeg(sheet, dir.resolve(sprite), 0.8f);
                names.add("storyboard/" + sprite);
            }
        }
        Files.writeString(outDir.resolve(STORYBOARD), vtt.toString(), StandardCharsets.UTF_8);
        names.add(0, STORYBOARD);
        return names;
    }

    /** WebVTT time, {@code HH:MM:SS.mmm}. */
    static String timestamp(double seconds) {
        long millis = Math.round(seconds * 1000);
        return String.format(Locale.ROOT, "%02d:%02d:%02d.%03d", millis / 3_600_000, millis / 60_000 % 60,
                millis / 1000 % 60, millis % 1000);
    }

    private static List<Path> files(Path dir, String prefix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted(Comparator.naturalOrder())
                    .toList();
        }
    }

    private static BufferedImage read(Path png) throws IOException, JobFailure {
        BufferedImage image = ImageIO.read(png.toFile());
        if (image == null) {
            throw JobFailure.retryable("the encoder wrote an unreadable picture " + png.getFileName());
        }
        return image;
    }

    private static void writeJpeg(BufferedImage image, Path file, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        Files.deleteIfExists(file);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
