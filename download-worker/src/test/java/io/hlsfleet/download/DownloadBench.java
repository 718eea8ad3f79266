package io.hlsfleet.download;

import io.hlsfleet.config.Settings;
import io.hlsfleet.worker.JobContext;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The download benchmark's worker side, run in a JVM of its own by {@code bench/download-bench.sh}:
 * starts {@code concurrency} downloads of one URL at once with the stage's {@link HttpDownloader},
 * after one small warm-up download, waits for all, and prints one table row: wall time, aggregate throughput and the process's peak
 * resident memory (VmHWM). Loopback only: the URL must point at 127.0.0.0/8.
 *
 * <p>Usage: {@code DownloadBench URL CONCURRENCY SCRATCH_DIR}
 */
public final class DownloadBench {

    private DownloadBench() {
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        int concurrency = Integer.parseInt(args[1]);
        Path scratch = Files.createDirectories(Path.of(args[2]));
        if (!url.getHost().startsWith("127.")) {
            throw new IllegalArgumentException("the benchmark downloads from loopback only, not " + url.getHost());
        }
        Map<String, String> env = Map.of(
                "HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.0/8",
                "HLSFLEET_DOWNLOAD_PER_HOST", Integer.toString(Math.max(concurrency, 1)),
                "HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT", "5m");
        DownloadSettings settings = DownloadSettings.from(Settings.fromEnvironment().with(env), false);
        JobContext quiet = (fraction, detail) -> { };
        long bytes = 0;
        try (HttpDownloader downloader = new HttpDownloader(settings);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            // A running worker has its client built and its classes loaded: warm up before timing.
            Path warm = scratch.resolve("warm");
            threads.submit(() -> downloader.download(url.resolve("warm.bin"), warm, quiet)).get();
            Files.delete(warm);
            long started = System.nanoTime();
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                Path target = scratch.resolve("d" + i);
                URI each = URI.create(url + "?n=" + i);
                results.add(threads.submit(() -> {
                    long t0 = System.nanoTime();
                    long n = downloader.download(each, target, quiet);
                    Files.delete(target);
                    if (System.getenv("BENCH_DEBUG") != null) {
                        System.err.printf("%d %.2f%n", (t0 - started) / 1_000_000, (System.nanoTime() - t0) / 1e9);
                    }
                    return n;
                }));
            }
            for (Future<Long> result : results) {
                bytes += result.get();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "| %d | %.2f | %.1f | %d |%n", concurrency, seconds,
                    bytes / 1048576.0 / seconds, peakRssMiB());
        }
    }

    /** VmHWM of this process in MiB, or -1 where /proc is not available. */
    static long peakRssMiB() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
