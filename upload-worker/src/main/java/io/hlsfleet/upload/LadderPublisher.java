package io.hlsfleet.upload;

import static io.hlsfleet.job.PublishedVideo.MASTER;
import static io.hlsfleet.job.PublishedVideo.masterKey;

import io.hlsfleet.storage.ContentTypes;
import io.hlsfleet.storage.InParallel;
import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.storage.ObjectStore;
import io.hlsfleet.storage.StagingArea;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Publishes one finished ladder to a bucket as a new generation of its video: every file of the
 * ladder (segments, variant and I-frame playlists, subtitles, pictures, and the ladder's own master)
 * under {@code <videoId>/<generation>/…}, in parallel; then, once all of them are written and
 * listed, the generation's key (through the {@code beforeSwitch} step); and last
 * {@code <videoId>/master.m3u8}, the master playlist players load, pointing into that generation.
 *
 * <p>Nothing a published generation holds is ever written again under the same name, so caches may
 * keep segments forever; a player that loaded the previous master keeps playing the previous
 * generation until {@link OldGenerations} removes it, and a publish that fails before the last
 * step leaves the published ladder as it was.
 */
public final class LadderPublisher {

    private static final Pattern URI_ATTRIBUTE = Pattern.compile("URI=\"([^\"]*)\"");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    private final ObjectStore bucket;
    private final int parallelUploads;

    public LadderPublisher(ObjectStore bucket, int parallelUploads) {
        this.bucket = bucket;
        this.parallelUploads = Math.max(1, parallelUploads);
    }

    /** The folder of one generation of a video in the bucket. */
    public static String generationFolder(String videoId, String generation) {
        return videoId + "/" + generation;
    }

    /** True if a complete ladder for {@code videoId} is in the bucket. */
    public boolean isPublished(String videoId) throws IOException {
        return bucket.exists(masterKey(videoId));
    }

    /**
     * True if {@code generation} was published whole: its own master is written only after all its
     * other files, and a master names the video's generations once one was switched to.
     */
    public boolean isPublished(String videoId, String generation) throws IOException {
        return bucket.exists(generationFolder(videoId, generation) + "/" + MASTER) && isPublished(videoId);
    }

    /** The generation the video's master names now, or null when it is not published (or from before generations). */
    public String publishedGeneration(String videoId) throws IOException {
        try {
            return generationOf(new String(bucket.read(masterKey(videoId)), StandardCharsets.UTF_8));
        } catch (NoSuchFileException unpublished) {
            return null;
        }
    }

    /**
     * A step run after the generation is whole and before the master names it: writing its key,
     * and the upload's last check for a cancel.
     */
    @FunctionalInterface
    public interface BeforeSwitch {
        BeforeSwitch NOTHING = () -> { };

        void run() throws IOException;
    }

    /**
     * Publishes the ladder in {@code ladderDir} as {@code generation}; {@code scratch} holds the
     * rewritten master while it is uploaded.
     *
     * @return bytes published
     */
    public long publish(String videoId, String generation, Path ladderDir, Path scratch, BeforeSwitch beforeSwitch)
            throws IOException, InterruptedException {
        List<String> files = LocalFiles.relativeFiles(ladderDir);
        long bytes = 0;
        for (String file : files) {
            bytes += Files.size(ladderDir.resolve(file));
        }
        String folder = generationFolder(videoId, generation);
        publishAll(videoId, generation, files, ladderDir.toString(),
                file -> bucket.put(folder + "/" + file, ladderDir.resolve(file), ContentTypes.of(file)),
                ladderDir.resolve(MASTER), scratch, beforeSwitch);
        return bytes;
    }

    /**
     * Publishes the ladder that {@code staging} holds under {@code ladderKey} as {@code generation}:
     * copied on the storage server when the bucket {@linkplain ObjectStore#canCopyFrom can copy from}
     * the staging area, otherwise fetched into {@code scratch} and uploaded.
     *
     * @return bytes published
     * @throws NoSuchFileException if nothing is staged under {@code ladderKey}
     */
    public long publishStaged(String videoId, String generation, StagingArea staging, String ladderKey, Path scratch,
            BeforeSwitch beforeSwitch) throws IOException, InterruptedException {
        if (!bucket.canCopyFrom(staging)) {
            return publish(videoId, generation, staging.fetch(ladderKey, scratch), scratch, beforeSwitch);
        }
        List<StagingArea.StagedFile> staged = staging.list(ladderKey);
        if (staged.isEmpty()) {
            throw new NoSuchFileException(ladderKey, null, "nothing staged under " + ladderKey);
        }
        long bytes = staged.stream().mapToLong(StagingArea.StagedFile::size).sum();
        String folder = generationFolder(videoId, generation);
        List<String> files = staged.stream().map(StagingArea.StagedFile::name).toList();
        Path master = files.contains(MASTER) ? staging.fetch(ladderKey + "/" + MASTER, scratch) : null;
        try {
            publishAll(videoId, generation, files, ladderKey,
                    file -> bucket.copyFrom(staging, ladderKey + "/" + file, folder + "/" + file, ContentTypes.of(file)),
                    master, scratch, beforeSwitch);
        } finally {
            // Only the master passes through this machine, to be rewritten for the video's root.
            if (master != null && master.startsWith(scratch)) {
                Files.deleteIfExists(master);
            }
        }
        return bytes;
    }

    /** One object of the ladder, written to the bucket. */
    @FunctionalInterface
    private interface Transfer {
        void run(String file) throws IOException;
    }

    private void publishAll(String videoId, String generation, List<String> files, String from, Transfer transfer,
            Path master, Path scratch, BeforeSwitch beforeSwitch) throws IOException, InterruptedException {
        if (!files.contains(MASTER)) {
            throw new IOException("ladder in " + from + " has no " + MASTER);
        }
        List<Callable<Void>> uploads = new ArrayList<>();
        for (String file : files) {
            if (!file.equals(MASTER)) {
                uploads.add(() -> {
                    transfer.run(file);
                    return null;
                });
            }
        }
        // A cancel stops the ladder between files, so that what it wrote is all there when it is removed.
        InParallel.runStoppingBetweenTasks("upload", "ladder-upload-", uploads, parallelUploads);
        transfer.run(MASTER);
        String folder = generationFolder(videoId, generation);
        // The master must never name a generation that is not whole, whatever happened to it
        // meanwhile (a removal of old generations, a bucket rule).
        Set<String> written = new HashSet<>();
        bucket.list(folder).forEach(object -> written.add(object.key()));
        for (String file : files) {
            if (!written.contains(folder + "/" + file)) {
                throw new IOException("generation " + generation + " of " + videoId + " lacks " + file
                        + " after it was written; the master playlist was left as it was");
            }
        }
        beforeSwitch.run();
        Path root = Files.createTempFile(scratch, "root-", ".m3u8");
        try {
            Files.writeString(root, rootMaster(Files.readString(master, StandardCharsets.UTF_8), generation),
                    StandardCharsets.UTF_8);
            bucket.put(masterKey(videoId), root, ContentTypes.of(MASTER));
        } finally {
            Files.deleteIfExists(root);
        }
    }

    /**
     * The master playlist at the video's root: the ladder's own master with every relative URI
     * (variant lines and {@code URI="…"} attributes of renditions and I-frame playlists) moved into
     * the generation's folder.
     */
    static String rootMaster(String master, String generation) {
        StringBuilder out = new StringBuilder(master.length() + 256);
        for (String line : master.split("\n", -1)) {
            if (line.isBlank()) {
                out.append(line);
            } else if (line.startsWith("#")) {
                Matcher uri = URI_ATTRIBUTE.matcher(line);
                StringBuilder tag = new StringBuilder();
                while (uri.find()) {
                    uri.appendReplacement(tag, Matcher.quoteReplacement(
                            "URI=\"" + inGeneration(uri.group(1), generation) + "\""));
                }
                uri.appendTail(tag);
                out.append(tag);
            } else {
                out.append(inGeneration(line.strip(), generation));
            }
            out.append('\n');
        }
        out.setLength(out.length() - 1);
        return out.toString();
    }

    private static String inGeneration(String uri, String generation) {
        boolean relative = !uri.isEmpty() && !uri.startsWith("/") && !SCHEME.matcher(uri).find();
        return relative ? generation + "/" + uri : uri;
    }

    /**
     * The generation a root master playlist names (the first folder of its first URI), or null
     * for a master written before ladders were published in generations.
     */
    static String generationOf(String rootMaster) {
        for (String line : rootMaster.split("\n")) {
            String uri = null;
            if (line.startsWith("#")) {
                Matcher attribute = URI_ATTRIBUTE.matcher(line);
                if (attribute.find()) {
                    uri = attribute.group(1);
                }
            } else if (!line.isBlank()) {
                uri = line.strip();
            }
            if (uri != null) {
                int slash = uri.indexOf('/');
                return slash > 0 && !SCHEME.matcher(uri).find() ? uri.substring(0, slash) : null;
            }
        }
        return null;
    }
}
