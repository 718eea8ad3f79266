package io.hlsfleet.encode;

import io.hlsfleet.config.Settings;
import io.hlsfleet.job.JobFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Encodes local video files into ladders with exactly the stage's code and settings, without a
 * broker or staging: for the benchmark ({@code bench/encode-bench.sh}) and for trying settings by
 * hand. Settings come from the same {@code HLSFLEET_ENCODE_*} variables as the worker.
 *
 * <pre>java ... io.hlsfleet.encode.EncodeFiles [--jobs N] OUT_DIR FILE...</pre>
 *
 * Each file's ladder goes to {@code OUT_DIR/<file name without extension>-hlsfleet/}. Prints one
 * line per file and a total line with wall time, CPU seconds of ffmpeg and speed.
 */
public final class EncodeFiles {

    private EncodeFiles() {
    }

    public static void main(String[] args) throws Exception {
        int jobs = 1;
        int first = 0;
        if (args.length > 1 && args[0].equals("--jobs")) {
            jobs = Integer.parseInt(args[1]);
            first = 2;
        }
        if (args.length - first < 2) {
            System.err.println("usage: EncodeFiles [--jobs N] OUT_DIR FILE...");
            System.exit(2);
        }
        Path out = Path.of(args[first]);
        EncodeSettings settings = EncodeSettings.from(Settings.fromEnvironment(), jobs);
        Prober prober = new Prober(settings.ffprobe(), settings.ffmpeg(), settings.limits());
        LadderEncoder encoder = new LadderEncoder(settings, EncodeMetrics.none());
        long start = System.nanoTime();
        List<Future<double[]>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(jobs)) {
            for (int i = first + 1; i < args.length; i++) {
                Path source = Path.of(args[i]);
                results.add(pool.submit(() -> encodeOne(prober, encoder, source, out)));
            }
        }
        double media = 0;
        double cpu = 0;
        int failed = 0;
        for (Future<double[]> result : results) {
            double[] r = result.get();
            if (r == null) {
                failed++;
            } else {
                media += r[0];
                cpu += r[1];
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "total files=%d failed=%d video_s=%.1f wall_s=%.1f ffmpeg_cpu_s=%.1f speed=%.2fx%n",
                results.size(), failed, media, wall, cpu, media / wall);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static double[] encodeOne(Prober prober, LadderEncoder encoder, Path source, Path out) throws Exception {
        String name = source.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Path dir = out.resolve(name + "-hlsfleet");
        Files.createDirectories(dir);
        try {
            MediaInfo media = prober.probe(source);
            LadderEncoder.Result result = encoder.encode(source, media, dir, (fraction, detail) -> { });
            System.out.printf(Locale.ROOT, "%s video_s=%.1f wall_s=%.1f ffmpeg_cpu_s=%.1f variants=%s%n", name,
                    media.durationSeconds(), result.wallSeconds(), result.cpuSeconds(),
                    result.variants().stream().map(PlannedVariant::name).toList());
            return new double[] {media.durationSeconds(), result.cpuSeconds()};
        } catch (JobFailure failure) {
            System.out.printf(Locale.ROOT, "%s FAILED (%s): %s%n", name, failure.retryable() ? "retryable" : "permanent",
                    failure.reason());
            return null;
        }
    }
}
