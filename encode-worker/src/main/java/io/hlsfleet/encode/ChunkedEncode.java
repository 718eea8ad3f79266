package io.hlsfleet.encode;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.StagingKeys;
import io.hlsfleet.job.WorkPart;
import io.hlsfleet.storage.StagingArea;
import io.hlsfleet.worker.JobContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long video encoded as chunks that any encode worker may take. The job is split into one part
 * per chunk (the video segments of every variant, and the frames of the pictures whose moments
 * fall in it) and one more part for the audio and subtitles; each part is a message of its own on
 * the encode queue. Their state is kept in staging under {@code jobs/<jobId>/chunked-<plan>/}:
 * <ul>
 *   <li>{@code plan}: the chunks, written once by the first split, read by every part;</li>
 *   <li>{@code part-<i>-<attempt>}: what one run of part {@code i} wrote, checked before it is stored;</li>
 *   <li>{@code done-<i>}: claimed by the first run of part {@code i} that stored its output, naming
 *       it; a part whose marker exists is not encoded again (a retried or requeued video resumes);</li>
 *   <li>{@code assembly}: claimed by the first part that found every part done; only that part
 *       puts the ladder together and hands the video on, and only it does so again when it is
 *       retried or redelivered.</li>
 * </ul>
 * Claims are atomic ({@link StagingArea#claim}), so two parts finishing at once assemble once; a
 * split removes the assembly claim of an earlier round of parts (a requeued video), which could
 * assemble once more if that round were still running (a split repeated after a crash). The
 * split is named from the job and its source, so a video split again finds the same plan and
 * parts; the ladder is published as that generation, so an assembly handed on twice (a worker
 * lost between the hand-off and its ack) is the same generation, which the upload stage publishes once.
 */
final class ChunkedEncode {

    private static final Logger log = LoggerFactory.getLogger(ChunkedEncode.class);

    private final StagingArea staging;
    private final Prober prober;
    private final ChunkProperties chunking;

    ChunkedEncode(StagingArea staging, Prober prober, ChunkProperties chunking) {
        this.staging = staging;
        this.prober = prober;
        this.chunking = chunking;
    }

    /**
     * The chunks of {@code media}, or an empty plan when it keeps the one-ffmpeg path: short, or
     * chunking off, or a ladder chunks are not made for here (fMP4, whose init segments are not
     * compared across chunks; encryption; an HDR ladder; audio muxed into the variants, which would
     * cross chunk boundaries; a video whose frame rate is unknown, which the parts' common clock
     * needs), or a staging area that cannot claim.
     */
    ChunkPlan plan(EncodeSettings settings, boolean encrypted, MediaInfo media) {
        int segment = settings.profile().segmentSeconds();
        ChunkPlan plan = ChunkPlan.of(media.durationSeconds(), segment, chunking);
        // Asked only of a video long enough to chunk: most are not, and the ladder plan is not free.
        boolean supported = plan.chunked() && staging.canClaim() && media.frameRate() > 0
                && settings.profile().container() == Container.MPEGTS
                && !encrypted && !(media.hasAudio() && settings.renditions().muxedAudio())
                && LadderPlanner.plan(media, settings).stream().noneMatch(PlannedVariant::hdr);
        return supported ? plan : ChunkPlan.none(segment);
    }

    /** The split's name: the same for every split of this job's staged source. */
    static String planName(Job job) {
        return UUID.nameUUIDFromBytes((job.jobId() + "\n" + job.outputs().source()).getBytes(StandardCharsets.UTF_8))
                .toString().replace("-", "").substring(0, 16);
    }

    static String prefix(Job job, String plan) {
        return StagingKeys.chunked(job, plan);
    }

    /** Splits the job into its parts; a plan staged by an earlier split of the job is kept. */
    StageOutputs split(Job job, ChunkPlan plan) throws IOException {
        String name = planName(job);
        ChunkPlan staged = ChunkPlan.parse(new String(staging.claim(prefix(job, name) + "/plan",
                plan.text().getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        // A new round of parts: the part that assembled an earlier round (a video requeued after
        // its ladder was lost, or one whose chunk died) is not among them, so one of these must
        // be free to assemble.
        staging.delete(prefix(job, name) + "/assembly");
        log.info("{}: {}", job.jobId(), staged.summary());
        int count = staged.chunks().size() + 1;
        // The audio and subtitles part (the last index) is queued first: it is short, and queued
        // after the chunks it would leave one worker alone with the last chunk at the very end.
        List<WorkPart> parts = new ArrayList<>(List.of(new WorkPart(name, count - 1, count)));
        for (int i = 0; i < count - 1; i++) {
            parts.add(new WorkPart(name, i, count));
        }
        return job.outputs().splitInto(parts);
    }

    /** Does one part's work, and when every part is done and this part wins the claim, the assembly. */
    StageOutputs process(Job job, WorkPart part, LadderEncoder encoder, JobContext context)
            throws JobFailure, IOException, InterruptedException {
        String prefix = prefix(job, part.plan());
        Path scratch = staging.newScratch(job.jobId());
        try {
            ChunkPlan plan;
            try {
                plan = ChunkPlan.parse(Files.readString(staging.fetch(prefix + "/plan", scratch.resolve("plan"))));
            } catch (NoSuchFileException gone) {
                throw JobFailure.permanent("the chunk plan of this video is no longer staged; requeue the video", gone);
            }
            if (plan.chunks().size() + 1 != part.count()) {
                throw JobFailure.permanent("this message is " + part + ", but the video's plan has "
                        + (plan.chunks().size() + 1) + " parts");
            }
            Path source = null;
            MediaInfo media = null;
            if (!staging.exists(done(prefix, part.index()))) {
                try {
                    source = source(job, scratch);
                    media = prober.probe(source);
                    encodePart(job, part, plan, prefix, source, media, encoder, scratch, context);
                } catch (JobFailure failure) {
                    throw named(failure, part, plan);
                }
            }
            PartsDone done = partsDone(prefix, plan, part.count());
            if (done.parts() < part.count()) {
                context.partDone(done.seconds() / plan.seconds(), done.parts() + " of " + part.count() + " parts encoded");
                return job.outputs().asPartDone();
            }
            String me = Integer.toString(part.index());
            String assembler = new String(staging.claim(prefix + "/assembly", me.getBytes(StandardCharsets.UTF_8)),
                    StandardCharsets.UTF_8);
            if (!assembler.equals(me)) {
                return job.outputs().asPartDone();
            }
            if (source == null) {
                source = source(job, scratch);
                media = prober.probe(source);
            }
            context.progress(1, "assembling " + plan.chunks().size() + " chunks");
            List<Path> chunkDirs = new ArrayList<>();
            Path restDir = null;
            List<String> pictures = List.of();
            for (int i = 0; i < part.count(); i++) {
                List<String> marker = Arrays.asList(Files.readString(staging.fetch(done(prefix, i),
                        scratch.resolve("done-" + i))).split("\n"));
                Path stored = marker.getFirst().equals(NOTHING) ? null
                        : staging.fetch(marker.getFirst(), Files.createDirectories(scratch.resolve("part-" + i)));
                if (i < plan.chunks().size()) {
                    chunkDirs.add(stored);
                } else {
                    restDir = stored;
                    pictures = marker.subList(1, marker.size()).stream().filter(p -> !p.isBlank()).toList();
                }
            }
            Path ladder = scratch.resolve("ladder");
            LadderEncoder.Result result = encoder.assemble(media, chunkDirs, restDir, pictures, ladder, context);
            LadderCheck.verify(ladder);
            String key = StagingKeys.ladder(job, StagingKeys.newAttempt());
            staging.store(key, ladder);
            return job.outputs().withPart(null).withLadder(key, media.durationSeconds())
                    .withPictures(result.pictures()).withRenditions(result.renditions())
                    .withGeneration(part.plan(), null);
        } finally {
            staging.deleteScratch(scratch);
        }
    }

    /** How many of a video's parts are done, and how many seconds of its video they encoded. */
    private record PartsDone(int parts, double seconds) {
    }

    private PartsDone partsDone(String prefix, ChunkPlan plan, int count) throws IOException {
        int parts = 0;
        double seconds = 0;
        for (int i = 0; i < count; i++) {
            if (staging.exists(done(prefix, i))) {
                parts++;
                // The last part (audio and subtitles) encodes no video.
                seconds += i < plan.chunks().size() ? plan.chunks().get(i).seconds() : 0;
            }
        }
        return new PartsDone(parts, seconds);
    }

    /** The marker of a part with nothing to store (a video without audio or subtitles). */
    private static final String NOTHING = "-";

    private void encodePart(Job job, WorkPart part, ChunkPlan plan, String prefix, Path source, MediaInfo media,
            LadderEncoder encoder, Path scratch, JobContext context) throws JobFailure, IOException, InterruptedException {
        Path out = Files.createDirectories(scratch.resolve("part"));
        if (part.index() < plan.chunks().size()) {
            encoder.encodeChunk(source, media, plan.chunks().get(part.index()), part.index() == plan.chunks().size() - 1,
                    out, context);
        } else {
            encoder.encodeRest(source, media, out, context);
        }
        boolean empty;
        try (var files = Files.walk(out)) {
            empty = files.noneMatch(Files::isRegularFile);
        }
        String key = empty ? NOTHING : prefix + "/part-" + part.index() + "-" + StagingKeys.newAttempt();
        if (!empty) {
            staging.store(key, out);
        }
        // The marker names the stored output (an earlier version's last part listed its pictures
        // after it; assembly still reads them).
        String kept = new String(staging.claim(done(prefix, part.index()), key.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
        if (!kept.equals(key) && !empty) {
            // Another run of this part finished first; its output is the one the ladder gets.
            staging.delete(key);
        }
    }

    /** The failure with the part it happened in, so a dead video says which chunk failed. */
    private static JobFailure named(JobFailure failure, WorkPart part, ChunkPlan plan) {
        String where;
        if (part.index() < plan.chunks().size()) {
            ChunkPlan.Chunk c = plan.chunks().get(part.index());
            where = String.format(Locale.ROOT, "chunk %d of %d (segments %d-%d, from %d s)", c.index() + 1,
                    plan.chunks().size(), c.firstSegment(), c.firstSegment() + c.segments() - 1, c.startSeconds());
        } else {
            where = "the audio and subtitles of the chunked video";
        }
        String reason = where + ": " + failure.reason();
        return failure.retryable() ? JobFailure.retryable(reason, failure) : JobFailure.permanent(reason, failure);
    }

    private static String done(String prefix, int index) {
        return prefix + "/done-" + index;
    }

    private Path source(Job job, Path scratch) throws IOException, JobFailure {
        try {
            return staging.fetch(job.outputs().source(), scratch);
        } catch (NoSuchFileException missing) {
            throw JobFailure.retryable("the downloaded source is not in staging", missing);
        }
    }
}
