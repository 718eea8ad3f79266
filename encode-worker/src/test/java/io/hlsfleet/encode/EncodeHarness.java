package io.hlsfleet.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.JobOptions;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.storage.LocalStagingArea;
import io.hlsfleet.worker.JobContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the real encode stage (real ffprobe and ffmpeg) on a local staging area, with the fastest
 * x264 preset so the suite stays quick; the ladder rules do not depend on the preset.
 */
final class EncodeHarness {

    /** A ladder of small rungs, so multi-rung ladders can be tested on tiny clips. */
    static final String SMALL_RUNGS = "144:150k,240:300k,360:500k";

    private final LocalStagingArea staging;
    private final Path clipDir;
    private int jobs;
    private StageOutputs lastOutputs;

    EncodeHarness(Path dir) throws Exception {
        this.staging = new LocalStagingArea(dir.resolve("staging"));
        this.clipDir = dir;
    }

    /** Test settings: ultrafast, the given variables on top. */
    static EncodeSettings settings(String... nameValuePairs) {
        Map<String, String> env = new HashMap<>(Map.of("HLSFLEET_ENCODE_PRESET", "ultrafast",
                "HLSFLEET_ENCODE_THREADS", "2"));
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            env.put(nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return EncodeSettings.from(Settings.of(env), 1);
    }

    /** Stages {@code clip} as a downloaded source and runs the encode stage; returns the ladder folder. */
    Path encode(Path clip, EncodeSettings settings) throws Exception {
        return encode(clip, settings, SegmentEncryption.disabled());
    }

    /** As {@link #encode(Path, EncodeSettings)}, with segment encryption. */
    Path encode(Path clip, EncodeSettings settings, SegmentEncryption encryption) throws Exception {
        return encode(clip, settings, encryption, JobOptions.NONE);
    }

    /** As {@link #encode(Path, EncodeSettings, SegmentEncryption)}, for a job with per-job {@code options}. */
    Path encode(Path clip, EncodeSettings settings, SegmentEncryption encryption, JobOptions options)
            throws Exception {
        Job job = stage(clip).withOptions(options);
        EncodeStage stage = new EncodeStage(staging, settings, EncodeMetrics.none(), encryption);
        StageOutputs outputs = stage.process(job, NO_PROGRESS);
        lastOutputs = outputs;
        assertThat(outputs.ladder()).isNotNull();
        assertThat(outputs.durationSeconds()).isPositive();
        Path ladder = staging.fetch(outputs.ladder(), clipDir);
        assertThat(ladder.resolve("master.m3u8")).isRegularFile();
        return ladder;
    }

    /** What the last successful {@link #encode} handed to the next stage. */
    StageOutputs lastOutputs() {
        return lastOutputs;
    }

    /** The AES-128 key the last {@link #encode} staged beside its ladder for the upload stage. */
    Path stagedKey() throws Exception {
        assertThat(lastOutputs.key()).as("the staging key of the ladder's key").isNotNull();
        return staging.fetch(lastOutputs.key(), clipDir);
    }

    /** Runs the stage on a file that must be refused; returns the failure. */
    JobFailure refuse(Path clip, EncodeSettings settings) throws Exception {
        return refuse(clip, settings, SegmentEncryption.disabled(), JobOptions.NONE);
    }

    /** Runs the stage on a job with per-job {@code options} that must be refused; returns the failure. */
    JobFailure refuse(Path clip, EncodeSettings settings, SegmentEncryption encryption, JobOptions options)
            throws Exception {
        Job job = stage(clip).withOptions(options);
        EncodeStage stage = new EncodeStage(staging, settings, EncodeMetrics.none(), encryption);
        JobFailure failure = catchThrowableOfType(JobFailure.class, () -> stage.process(job, NO_PROGRESS));
        assertThat(failure).as("the stage should have refused %s", clip.getFileName()).isNotNull();
        return failure;
    }

    private Job stage(Path clip) throws Exception {
        Job job = Job.submit("https://example.org/" + clip.getFileName(), false);
        String key = "jobs/" + job.jobId() + "/source-" + (++jobs);
        // The stage consumes what is staged; the test keeps the clip to compare the ladder with.
        Path copy = Files.copy(clip, clip.resolveSibling(clip.getFileName() + ".staged-" + jobs));
        staging.store(key, copy);
        return job.advance(Stage.ENCODE, StageOutputs.NONE.withSource(key, Files.size(clip)));
    }

    /** A ladder put together from chunks, and the plan it was cut by. */
    record ChunkedLadder(Path dir, ChunkPlan plan, LadderEncoder.Result result) {
    }

    /**
     * Encodes {@code clip} the way chunk jobs do, one chunk after the other and then the audio
     * part, and puts the parts together as the assembly step does, into {@code dir}; the ladder is
     * checked. The parts' folders are {@code dir} with {@code -chunk-N} and {@code -rest} appended.
     */
    static ChunkedLadder encodeInChunks(Path clip, EncodeSettings settings, ChunkProperties chunking, Path dir)
            throws Exception {
        LadderEncoder encoder = new LadderEncoder(settings, EncodeMetrics.none());
        MediaInfo media = Prober.of(settings).probe(clip);
        ChunkPlan plan = ChunkPlan.of(media.durationSeconds(), settings.profile().segmentSeconds(), chunking);
        assertThat(plan.chunked()).as("%s is cut into chunks", clip.getFileName()).isTrue();
        List<Path> chunkDirs = new ArrayList<>();
        for (ChunkPlan.Chunk chunk : plan.chunks()) {
            Path chunkDir = dir.resolveSibling(dir.getFileName() + "-chunk-" + chunk.index());
            encoder.encodeChunk(clip, media, chunk, chunk.index() == plan.chunks().size() - 1, chunkDir, NO_PROGRESS);
            chunkDirs.add(chunkDir);
        }
        Path rest = dir.resolveSibling(dir.getFileName() + "-rest");
        encoder.encodeRest(clip, media, rest, NO_PROGRESS);
        LadderEncoder.Result result = encoder.assemble(media, chunkDirs, rest, List.of(), dir, NO_PROGRESS);
        LadderCheck.verify(dir);
        return new ChunkedLadder(dir, plan, result);
    }

    static final JobContext NO_PROGRESS = (fraction, detail) -> { };
}
