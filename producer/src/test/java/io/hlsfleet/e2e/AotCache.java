package io.hlsfleet.e2e;

import io.hlsfleet.storage.LocalFiles;
import io.hlsfleet.testing.Processes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The JDK's ahead-of-time cache (JEP 483) for the jars the tests start hundreds of times. A
 * worker's start-up is mostly loading and linking the same classes every time; with the classes
 * of one recorded start-up ready in a cache, a worker is ready on about half the CPU (about 8 s
 * of CPU without, 4 s with), which over the hundreds of start-ups of a run on two cores is
 * minutes of its wall time. The cache costs one start-up per module to record.
 *
 * <p>A cache holds only classes loaded from the class path, not from the jars nested in an
 * executable jar, so the jar is first extracted (Spring Boot's {@code jarmode=tools extract}),
 * then started once to record the cache: a worker until its context is refreshed
 * ({@code spring.context.exit=onRefresh}, nothing connects), the CLI as {@code ./hlsfleet} trains
 * it. Both test JVMs may ask at once, so the caches are made together (side by side) under a file
 * lock, and again when a jar changed. A cache that cannot be made leaves the plain jar, which starts the
 * same, only slower.
 */
final class AotCache {

    private static final List<String> MODULES = List.of("download-worker", "encode-worker", "upload-worker", "producer");

    /** Per module, what follows the JVM options on its command line; made on first use. */
    private static Map<String, List<String>> jarArguments;

    private AotCache() {
    }

    /** {@code -XX:AOTCache=… -jar …} for {@code module}, or {@code -jar} of the plain jar when no cache could be made. */
    static synchronized List<String> jarArguments(String module) {
        if (jarArguments == null) {
            jarArguments = makeAll();
        }
        return jarArguments.get(module);
    }

    /** Every module's cache, the missing or stale ones made side by side, under a lock both test JVMs take. */
    private static Map<String, List<String>> makeAll() {
        Path lockFile = Project.root().resolve("producer").resolve("target").resolve("aot-cache.lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock();
                ExecutorService makers = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<List<String>>> made = new LinkedHashMap<>();
            for (String module : MODULES) {
                made.put(module, makers.submit(() -> jarArgumentsMakingCache(module)));
            }
            Map<String, List<String>> result = new LinkedHashMap<>();
            for (Map.Entry<String, Future<List<String>>> entry : made.entrySet()) {
                result.put(entry.getKey(), entry.getValue().get());
            }
            return Map.copyOf(result);
        } catch (IOException | ExecutionException e) {
            throw new IllegalStateException("cannot make the start-up caches", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the start-up caches", e);
        }
    }

    private static List<String> jarArgumentsMakingCache(String module) throws InterruptedException {
        Path jar = Project.jar(module);
        Path dir = jar.resolveSibling("aot-cache");
        Path extracted = dir.resolve("app").resolve(jar.getFileName());
        Path cache = dir.resolve(module + ".aot");
        try {
            Files.createDirectories(dir);
            Path stampFile = dir.resolve("made-from");
            String stamp = Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis();
            String madeFrom = Files.isRegularFile(stampFile) ? Files.readString(stampFile) : "";
            if (!Files.isRegularFile(cache) || !madeFrom.equals(stamp)) {
                Files.deleteIfExists(stampFile);
                make(module, jar, dir, extracted, cache);
                Files.writeString(stampFile, stamp);
            }
            // A cache the JVM cannot use (a file changed under it) is skipped with a warning: to
            // standard error, not into the output the tests read.
            return List.of("-XX:AOTCache=" + cache, "-Xlog:all=warning:stderr", "-jar", extracted.toString());
        } catch (IOException e) {
            System.err.println("AotCache: no cache for " + module + " (" + e.getMessage() + "); starting the plain jar");
            return List.of("-jar", jar.toString());
        }
    }

    private static void make(String module, Path jar, Path dir, Path extracted, Path cache)
            throws IOException, InterruptedException {
        Files.deleteIfExists(cache);
        // Over an earlier extraction: its manifest names the libraries, so a stale one left in lib/ is never read.
        runToEnd(List.of(Project.java(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--force",
                "--destination", dir.resolve("app").toString()));
        List<String> training = new ArrayList<>(List.of(Project.java()));
        training.addAll(Project.SHORT_LIVED_JVM);
        training.add("-XX:AOTCacheOutput=" + cache);
        if (module.equals("producer")) {
            // As ./hlsfleet trains it: an encode of a file that does not exist fails (exit 2) right
            // after the settings are bound, which the commands the tests run all do.
            Path scratch = Files.createTempDirectory("hlsfleet-aot-training");
            training.addAll(List.of("-jar", extracted.toString(), "encode-files",
                    scratch.resolve("out").toString(), scratch.resolve("missing.mp4").toString()));
            Processes.run(new ProcessBuilder(training), null, Duration.ofMinutes(5));
            LocalFiles.deleteRecursively(scratch);
        } else {
            training.addAll(List.of("-Dspring.context.exit=onRefresh", "-jar", extracted.toString()));
            runToEnd(training);
        }
        if (!Files.isRegularFile(cache)) {
            throw new IOException("the training run wrote no cache: " + String.join(" ", training));
        }
    }

    private static void runToEnd(List<String> command) throws IOException, InterruptedException {
        Processes.run(new ProcessBuilder(command), null, Duration.ofMinutes(5)).orThrow();
    }
}
