package io.hlsfleet.e2e;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.JobStatusStore;
import io.hlsfleet.status.JobStatusStores;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A whole fleet for one test: an isolated broker, an HTTP origin, staging and a bucket in the
 * test's folder, and worker processes that the test starts, kills and restarts. The same scenario
 * code runs on either transport; only {@link FleetBroker} differs.
 */
final class Fleet implements AutoCloseable {

    static final String DOWNLOAD = "download-worker";
    static final String ENCODE = "encode-worker";
    static final String UPLOAD = "upload-worker";
    static final List<String> WORKERS = List.of(DOWNLOAD, ENCODE, UPLOAD);

    /** Every log line of a worker names the stage and job it is about, for counting publications. */
    private static final String LOG_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%X{stage:-} %X{jobId:-}] %logger{0}: %msg%n";

    private final FleetBroker.Kind kind;
    private final FleetBroker broker;
    private final Path dir;
    private final Path logs;
    private final Map<String, String> env = new HashMap<>();
    private final List<WorkerProcess> workers = new ArrayList<>();
    private final ClipOrigin origin;
    private Transport transport;
    private JobStatusStore statusStore;

    /** A fleet on a broker isolated from other tests (a virtual host of the shared RabbitMQ node). */
    Fleet(FleetBroker.Kind kind, Path dir, String name) throws IOException, InterruptedException {
        this(kind, kind.open(dir), dir, name);
    }

    /** A fleet on a broker process of its own, for scenarios that restart or cut the broker. */
    static Fleet onPrivateBroker(FleetBroker.Kind kind, Path dir, String name) throws IOException, InterruptedException {
        return new Fleet(kind, kind.openPrivate(dir), dir, name);
    }

    /** A fleet on {@code broker}, one a test set up in a special way (such as a Redis refusing a command). */
    static Fleet on(FleetBroker broker, Path dir, String name) throws IOException {
        return new Fleet(broker.kind(), broker, dir, name);
    }

    private Fleet(FleetBroker.Kind kind, FleetBroker broker, Path dir, String name) throws IOException {
        this.kind = kind;
        this.dir = dir;
        this.logs = WorkerProcess.logDirectory(name + "-" + kind.name().toLowerCase(Locale.ROOT));
        this.broker = broker;
        env.putAll(broker.env());
        env.put("HLSFLEET_STAGING", staging().toString());
        env.put("HLSFLEET_BUCKET", bucket().toUri().toString());
        // The test origin listens on loopback, which the download guard refuses unless allowed.
        env.put("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.0/8");
        env.put("HLSFLEET_ENCODE_PRESET", "ultrafast");
        env.put("HLSFLEET_RETRY_DELAYS", "1s");
        env.put("HLSFLEET_CONCURRENCY", "2");
        env.put("HLSFLEET_SHUTDOWN_GRACE", "5s");
        env.put("LOGGING_PATTERN_CONSOLE", LOG_PATTERN);
        this.origin = new ClipOrigin(clips());
    }

    FleetBroker.Kind kind() {
        return kind;
    }

    FleetBroker broker() {
        return broker;
    }

    /** Overrides a setting for every worker started from now on and for the CLI. */
    Fleet set(String name, String value) {
        env.put(name, value);
        return this;
    }

    Map<String, String> env() {
        return Map.copyOf(env);
    }

    Path clips() {
        return dir.resolve("origin");
    }

    Path staging() {
        return dir.resolve("staging");
    }

    Path bucket() {
        return dir.resolve("bucket");
    }

    Path logs() {
        return logs;
    }

    ClipOrigin origin() {
        return origin;
    }

    /** Starts one worker of {@code module} with the fleet's settings plus {@code overrides}. */
    WorkerProcess start(String module, Map<String, String> overrides) throws IOException, InterruptedException {
        return launch(module, overrides).awaitHealthy(Duration.ofMinutes(3));
    }

    /** Starts one worker of {@code module} without waiting for it to become healthy. */
    WorkerProcess launch(String module, Map<String, String> overrides) throws IOException {
        Map<String, String> workerEnv = new HashMap<>(env);
        workerEnv.putAll(overrides);
        WorkerProcess worker = WorkerProcess.start(module, workerEnv, logs);
        workers.add(worker);
        return worker;
    }

    WorkerProcess start(String module) throws IOException, InterruptedException {
        return start(module, Map.of());
    }

    /** {@code count} workers of {@code module} with {@code overrides}, started side by side. */
    List<WorkerProcess> start(String module, int count, Map<String, String> overrides)
            throws IOException, InterruptedException {
        List<WorkerProcess> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(launch(module, overrides));
        }
        for (WorkerProcess worker : started) {
            worker.awaitHealthy(Duration.ofMinutes(3));
        }
        return started;
    }

    /** The worker that started an ffmpeg, from its line in {@link FfmpegProcesses} ({@code "pid: command"}). */
    WorkerProcess runnerOf(String ffmpeg) {
        long pid = Long.parseLong(ffmpeg.substring(0, ffmpeg.indexOf(':')));
        long parent = ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
                .orElseThrow(() -> new IllegalStateException("ffmpeg " + pid + " is gone"));
        return workers.stream().filter(worker -> worker.pid() == parent).findFirst()
                .orElseThrow(() -> new IllegalStateException("no worker of this fleet started ffmpeg " + pid));
    }

    /** One worker of each stage, started side by side; returns them by module. */
    Map<String, WorkerProcess> startAll() throws IOException, InterruptedException {
        return startAll(Map.of());
    }

    /** One worker of each stage with {@code overrides}, started side by side; returns them by module. */
    Map<String, WorkerProcess> startAll(Map<String, String> overrides) throws IOException, InterruptedException {
        return startAll(module -> overrides);
    }

    /** One worker of each stage with the overrides of its module, started side by side; returns them by module. */
    Map<String, WorkerProcess> startAll(Function<String, Map<String, String>> overrides)
            throws IOException, InterruptedException {
        // Awaited in pipeline order, as the tests that started workers by hand did: download first.
        Map<String, WorkerProcess> started = new LinkedHashMap<>();
        for (String module : WORKERS) {
            Map<String, String> workerEnv = new HashMap<>(env);
            workerEnv.putAll(overrides.apply(module));
            WorkerProcess worker = WorkerProcess.start(module, workerEnv, logs);
            workers.add(worker);
            started.put(module, worker);
        }
        for (WorkerProcess worker : started.values()) {
            worker.awaitHealthy(Duration.ofMinutes(3));
        }
        return started;
    }

    /** The status of the job whose source is {@code url}, if the store has one. */
    Optional<JobStatus> status(String url) throws IOException, InterruptedException {
        return statuses().stream().filter(status -> url.equals(status.source())).findFirst();
    }

    /** Polls the status store until the job of {@code url} satisfies {@code condition}. */
    JobStatus awaitStatus(String url, Predicate<JobStatus> condition, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<JobStatus> last = Optional.empty();
        while (System.nanoTime() < deadline) {
            last = status(url);
            if (last.isPresent() && condition.test(last.get())) {
                return last.get();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the job of " + url + " did not reach the expected state within " + timeout
                + "; last status " + last.orElse(null));
    }

    /** {@code hlsfleet submit URL…}; returns the job ids in the order of the URLs. */
    List<String> submit(List<String> urls) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("submit"));
        args.addAll(urls);
        Processes.Result result = Cli.run(env, args);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("hlsfleet submit failed: " + result.err());
        }
        return result.out().lines().toList();
    }

    /** Runs the CLI with the fleet's settings; returns its output, or fails with its errors. */
    String cli(String... args) throws IOException, InterruptedException {
        Processes.Result result = Cli.run(env, List.of(args));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("hlsfleet " + String.join(" ", args) + " failed (" + result.exitCode()
                    + "): " + result.err());
        }
        return result.out();
    }

    /**
     * Every job the status store knows, read as {@code hlsfleet status} reads it but in this JVM:
     * the scenarios poll often, and a CLI process per poll would cost seconds of CPU each.
     */
    synchronized List<JobStatus> statuses() {
        if (statusStore == null) {
            Settings settings = Settings.of(env);
            statusStore = JobStatusStores.connect(settings, FleetConfig.from(settings)).orElseThrow();
        }
        return statusStore.recent(1000);
    }

    /** A client of the fleet's broker, for raw messages and dead letters. */
    synchronized Transport transport() {
        if (transport == null) {
            transport = Transports.connect(FleetConfig.from(Settings.of(env)));
        }
        return transport;
    }

    /** What the upload workers logged so far, restarts included. */
    String uploadLog() throws IOException {
        Path log = logs.resolve(UPLOAD + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            for (WorkerProcess worker : workers) {
                worker.kill();
            }
            if (transport != null) {
                transport.close();
            }
            if (statusStore != null) {
                statusStore.close();
            }
            origin.close();
        } finally {
            broker.close();
        }
    }
}
