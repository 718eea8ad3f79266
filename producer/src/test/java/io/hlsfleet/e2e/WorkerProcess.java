package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.testing.FreePorts;
import io.hlsfleet.testing.Processes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One worker started from its executable jar as a separate JVM, as an operator would run it. */
final class WorkerProcess implements AutoCloseable {

    /** The longest a start-up holds its slot ({@link StartUps}) before others may start anyway. */
    private static final Duration START_UP_SLOT_HOLD = Duration.ofMinutes(3);

    private final String module;
    private final Process process;
    private final int port;
    private final Path log;

    private WorkerProcess(String module, Process process, int port, Path log) {
        this.module = module;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static WorkerProcess start(String module, Map<String, String> env, Path logDir) throws IOException {
        int port = freePort();
        Path log = logDir.resolve(module + ".log");
        List<String> command = new ArrayList<>(List.of(Project.java(), "-Xmx512m"));
        command.addAll(Project.SHORT_LIVED_JVM);
        command.addAll(AotCache.jarArguments(module));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        builder.environment().put("HLSFLEET_HTTP_PORT", Integer.toString(port));
        StartUps.acquire();
        Process process;
        try {
            process = builder.start();
        } catch (IOException | RuntimeException e) {
            StartUps.release();
            throw e;
        }
        WorkerProcess worker = new WorkerProcess(module, process, port, log);
        Thread.ofVirtual().start(worker::releaseStartUpSlotWhenServing);
        return worker;
    }

    /**
     * Gives the start-up slot back once the worker answers HTTP at all (its context is up; ready or
     * not, as with a broker that is down), exits, or has had {@link #START_UP_SLOT_HOLD}.
     */
    private void releaseStartUpSlotWhenServing() {
        long deadline = System.nanoTime() + START_UP_SLOT_HOLD.toNanos();
        try (HttpClient client = HttpClient.newHttpClient()) {
            while (process.isAlive() && System.nanoTime() < deadline) {
                try {
                    client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                    return;
                } catch (IOException notYet) {
                    Thread.sleep(250);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            StartUps.release();
        }
    }

    /** A fresh folder for worker logs that outlives the test, for reading after a failure. */
    static Path logDirectory(String test) throws IOException {
        Path dir = Project.root().resolve("producer/target/e2e-logs").resolve(test);
        io.hlsfleet.storage.LocalFiles.deleteRecursively(dir);
        return Files.createDirectories(dir);
    }

    /** A free port below the ephemeral range ({@link FreePorts}). */
    private static int freePort() throws IOException {
        return FreePorts.pick();
    }

    /** Waits until the actuator reports the worker UP. */
    WorkerProcess awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(module + " exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
                    return this;
                }
            } catch (IOException notYet) {
                // Still starting.
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(module + " did not become healthy within " + timeout + ":\n" + log());
    }

    /**
     * Waits until the worker is alive but not ready (readiness 503) and its readiness names every
     * one of {@code reasons}, as a worker that refused its start-up checks shows it.
     */
    void awaitNotReadySaying(Duration timeout, String... reasons) {
        await(module + " not ready, saying " + String.join(", ", reasons)).atMost(timeout)
                .pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
                    HttpResponse<String> ready = get("/actuator/health/readiness");
                    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
                    assertThat(ready.body()).contains(reasons);
                });
        assertThat(isAlive()).as(module + " alive").isTrue();
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** GET on the worker's HTTP port, such as {@code /actuator/health/readiness}. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    String metrics() throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "(no output)";
    }

    String module() {
        return module;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, as docker stop and Kubernetes send; returns whether the worker exited in time. */
    boolean terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGSTOP: the worker freezes (as in a long GC pause or a frozen VM); its children go on. */
    void pause() throws IOException, InterruptedException {
        Processes.check(List.of("kill", "-STOP", Long.toString(process.pid())));
    }

    /** SIGCONT after {@link #pause}. */
    void resume() throws IOException, InterruptedException {
        Processes.check(List.of("kill", "-CONT", Long.toString(process.pid())));
    }

    /** SIGKILL: the worker gets no chance to clean up. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive() && !terminate(Duration.ofSeconds(30))) {
            kill();
        }
    }
}
