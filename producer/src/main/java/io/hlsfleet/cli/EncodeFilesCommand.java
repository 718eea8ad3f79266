package io.hlsfleet.cli;

import io.hlsfleet.config.Settings;
import io.hlsfleet.encode.EncodeMetrics;
import io.hlsfleet.encode.EncodeSettings;
import io.hlsfleet.encode.LadderEncoder;
import io.hlsfleet.encode.MediaInfo;
import io.hlsfleet.encode.PlannedVariant;
import io.hlsfleet.encode.Prober;
import io.hlsfleet.job.JobFailure;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hlsfleet encode-files [--jobs N] OUT_DIR FILE...}: encodes local video files into ladders
 * with exactly the encode stage's code and settings ({@code HLSFLEET_ENCODE_*}), without a broker
 * or staging: for the benchmark ({@code bench/encode-bench.sh}) and for trying settings by hand.
 * Each file's ladder goes to {@code OUT_DIR/<file name without extension>-hlsfleet/}. Prints one
 * line per file and a total line with wall time, CPU seconds of ffmpeg and speed; exits 1 if any
 * file failed.
 */
@Command(name = "encode-files",
        description = "Encode local files with the encode stage's code and settings (benchmarks, trying settings).")
final class EncodeFilesCommand extends CliCommand {

    @Option(names = "--jobs", defaultValue = "1", paramLabel = "N",
            description = "Files encoded at once (default ${DEFAULT-VALUE}).")
    int jobs;

    @Parameters(index = "0", paramLabel = "OUT_DIR", description = "Where the ladders go.")
    Path out;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "Video files to encode.")
    List<Path> files;

    /** What one file's encode measured; {@code null} when it failed. */
    private record Measured(double videoSeconds, double cpuSeconds) {
    }

    @Override
    int run(PrintWriter out, PrintWriter err) throws Exception {
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1");
        }
        EncodeSettings settings = EncodeSettings.from(Settings.fromEnvironment(), jobs);
        Prober prober = Prober.of(settings);
        LadderEncoder encoder = new LadderEncoder(settings, EncodeMetrics.none());
        long start = System.nanoTime();
        List<Future<Measured>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(jobs)) {
            for (Path source : files) {
                results.add(pool.submit(() -> encodeOne(prober, encoder, source, out)));
            }
        }
        double media = 0;
        double cpu = 0;
        int failed = 0;
        for (Future<Measured> result : results) {
            Measured measured = result.get();
            if (measured == null) {
                failed++;
            } else {
                media += measured.videoSeconds();
                cpu += measured.cpuSeconds();
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "total files=%d failed=%d video_s=%.1f wall_s=%.1f ffmpeg_cpu_s=%.1f speed=%.2fx%n",
                results.size(), failed, media, wall, cpu, media / wall);
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private Measured encodeOne(Prober prober, LadderEncoder encoder, Path source, PrintWriter stdout) throws Exception {
        String name = source.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Path dir = out.resolve(name + "-hlsfleet");
        Files.createDirectories(dir);
        String line;
        Measured measured = null;
        try {
            MediaInfo media = prober.probe(source);
            LadderEncoder.Result result = encoder.encode(source, media, dir, (fraction, detail) -> { });
            line = String.format(Locale.ROOT, "%s video_s=%.1f wall_s=%.1f ffmpeg_cpu_s=%.1f variants=%s", name,
                    media.durationSeconds(), result.wallSeconds(), result.cpuSeconds(),
                    result.variants().stream().map(PlannedVariant::name).toList());
            measured = new Measured(media.durationSeconds(), result.cpuSeconds());
        } catch (JobFailure failure) {
            line = String.format(Locale.ROOT, "%s FAILED (%s): %s", name,
                    failure.retryable() ? "retryable" : "permanent", failure.reason());
        }
        synchronized (stdout) {
            stdout.println(line);
            stdout.flush();
        }
        return measured;
    }
}
