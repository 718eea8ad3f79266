package io.hlsfleet.encode;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.worker.JobContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Encodes one probed source into a ladder folder with one ffmpeg process, then writes the master. */
public final class LadderEncoder {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final EncodeSettings settings;

    public LadderEncoder(EncodeSettings settings) {
        this.settings = settings;
    }

    /** Writes the ladder for {@code source} into {@code outDir} and returns its variants. */
    public List<PlannedVariant> encode(Path source, MediaInfo media, Path outDir, JobContext context)
            throws JobFailure, IOException, InterruptedException {
        List<PlannedVariant> variants = LadderPlanner.plan(media, settings.profile());
        for (PlannedVariant v : variants) {
            Files.createDirectories(outDir.resolve(v.name()));
        }
        runFfmpeg(FfmpegLadderCommand.build(settings, media, variants, source, outDir), media, context);
        List<MasterPlaylist.VariantStats> stats = new ArrayList<>();
        for (PlannedVariant v : variants) {
            long[] bitrates = MasterPlaylist.measure(outDir.resolve(v.name()));
            stats.add(new MasterPlaylist.VariantStats(v, bitrates[0], bitrates[1], codecs(outDir.resolve(v.name()), media),
                    media.frameRate()));
        }
        MasterPlaylist.write(outDir, stats);
        return variants;
    }

    private void runFfmpeg(List<String> command, MediaInfo media, JobContext context)
            throws JobFailure, IOException, InterruptedException {
        Process ffmpeg = ChildProcesses.start(new ProcessBuilder(command));
        StringBuilder errors = new StringBuilder();
        Thread errorReader = Thread.ofVirtual().start(() -> collect(ffmpeg, errors));
        try (BufferedReader progress = new BufferedReader(new InputStreamReader(ffmpeg.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            double done = 0;
            String speed = "";
            while ((line = progress.readLine()) != null) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("encode interrupted");
                }
                if (line.startsWith("out_time_us=")) {
                    done = parseSeconds(line.substring(12)) / Math.max(0.001, media.durationSeconds());
                } else if (line.startsWith("speed=")) {
                    speed = line.substring(6).strip();
                } else if (line.startsWith("progress=")) {
                    context.progress(Math.min(1, done), speed);
                }
            }
            if (!ffmpeg.waitFor(30, TimeUnit.SECONDS)) {
                throw JobFailure.retryable("ffmpeg closed its output but did not exit");
            }
            errorReader.join(java.time.Duration.ofSeconds(5));
            if (ffmpeg.exitValue() != 0) {
                throw JobFailure.retryable("ffmpeg failed with exit code " + ffmpeg.exitValue() + ": "
                        + Prober.firstLine(errors.toString().strip()));
            }
        } finally {
            ChildProcesses.kill(ffmpeg);
        }
    }

    private static void collect(Process process, StringBuilder sink) {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null) {
                synchronized (sink) {
                    if (sink.length() < 4000) {
                        sink.append(line).append('\n');
                    }
                }
            }
        } catch (IOException closed) {
            // The process was killed; what was read so far is enough for the reason.
        }
    }

    private static double parseSeconds(String microseconds) {
        try {
            return Long.parseLong(microseconds.strip()) / 1_000_000.0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The CODECS string of a variant, from the profile and level of the H.264 it really contains. */
    private String codecs(Path variantDir, MediaInfo media) throws IOException, InterruptedException {
        Path first;
        try (var files = Files.list(variantDir)) {
            first = files.filter(p -> p.getFileName().toString().endsWith(".ts")).sorted().findFirst()
                    .orElseThrow(() -> new IOException("no segment written in " + variantDir));
        }
        Process probe = ChildProcesses.start(new ProcessBuilder(settings.ffprobe(), "-v", "error",
                "-protocol_whitelist", "file", "-select_streams", "v:0", "-show_entries", "stream=profile,level",
                "-of", "json", "file:" + first.toAbsolutePath()));
        try {
            JsonNode stream = JSON.readTree(probe.getInputStream().readAllBytes()).path("streams").path(0);
            probe.waitFor(30, TimeUnit.SECONDS);
            String video = MasterPlaylist.avcCodec(stream.path("profile").asString("high"), stream.path("level").asInt(40));
            return media.hasAudio() ? video + ",mp4a.40.2" : video;
        } finally {
            ChildProcesses.kill(probe);
        }
    }

}
