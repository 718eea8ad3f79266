package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./hlsfleet} script users run: on first use after a build it extracts the CLI jar and
 * records the JDK's start-up cache once, even when several commands start at once; later commands
 * start from that cache; a rebuilt jar gets a folder of its own. Each test runs the real script
 * over a copy of the built jar in a checkout of its own, so the project's own folders are not touched.
 */
class LauncherScriptIT {

    private static final String VERSION = "hlsfleet 0.1.0\n";

    @TempDir
    Path tmp;

    /** A checkout whose path has a space, as under a user's "My projects". */
    private Path checkout;

    private Path jar;
    private Path startFolders;

    @BeforeEach
    void copyTheScriptAndTheJar() throws IOException {
        checkout = Files.createDirectories(tmp.resolve("my projects").resolve("hlsfleet"));
        Files.copy(Project.root().resolve("hlsfleet"), checkout.resolve("hlsfleet"), StandardCopyOption.COPY_ATTRIBUTES);
        jar = checkout.resolve("producer").resolve("target").resolve("hlsfleet.jar");
        Files.createDirectories(jar.getParent());
        Files.copy(Project.jar("producer"), jar);
        startFolders = jar.resolveSibling("cli-start");
    }

    /**
     * One test, as each preparation (an extraction and a training start-up) takes a JVM start or
     * two: commands started together on a fresh build, then a later one, then two rebuilds.
     */
    @Test
    void aBuildIsPreparedOnceForCommandsStartedTogetherAndARebuildGetsAFolderOfItsOwn() throws Exception {
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Processes.Result>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(callers.submit(() -> hlsfleet(Map.of(), "--version")));
            }
            for (Future<Processes.Result> run : runs) {
                Processes.Result result = run.get();
                assertThat(result.exitCode()).as(result.err()).isZero();
                assertThat(result.out()).isEqualTo(VERSION);
            }
        }
        List<Path> builds = builds();
        assertThat(builds).hasSize(1);
        Path first = builds.getFirst();
        assertThat(first.resolve("app").resolve("hlsfleet.jar")).isRegularFile();
        try (Stream<Path> files = Files.list(first)) {
            assertThat(files.filter(file -> file.getFileName().toString().endsWith(".aot")).toList())
                    .as("one finished cache, no part left").hasSize(1)
                    .allSatisfy(cache -> assertThat(Files.size(cache)).isPositive());
        }

        Processes.Result logged = hlsfleet(Map.of("JDK_JAVA_OPTIONS", "-Xlog:aot=info"), "--version");
        assertThat(logged.exitCode()).as(logged.err()).isZero();
        assertThat(logged.out() + logged.err()).contains("Using AOT-linked classes: true").contains(VERSION);

        rebuild(10);
        assertThat(hlsfleet(Map.of(), "--version").out()).isEqualTo(VERSION);
        List<Path> afterSecond = builds();
        assertThat(afterSecond).hasSize(2).contains(first);

        rebuild(20);
        assertThat(hlsfleet(Map.of(), "--version").out()).isEqualTo(VERSION);
        List<Path> afterThird = builds();
        assertThat(afterThird).as("the build before is kept, the one before that removed")
                .hasSize(2).doesNotContain(first).containsAll(afterSecond.stream().filter(b -> !b.equals(first)).toList());
    }

    /** What a rebuild leaves for the script to see: the jar newer than before. */
    private void rebuild(int secondsLater) throws IOException {
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + secondsLater * 1000L));
    }

    private List<Path> builds() throws IOException {
        try (Stream<Path> entries = Files.list(startFolders)) {
            return entries.filter(Files::isDirectory).sorted().toList();
        }
    }

    private Processes.Result hlsfleet(Map<String, String> environment, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(checkout.resolve("hlsfleet").toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().keySet().removeIf(name -> name.startsWith("HLSFLEET_") || name.equals("JDK_JAVA_OPTIONS"));
        builder.environment().putAll(environment);
        return Processes.run(builder, null, Duration.ofMinutes(3));
    }
}
