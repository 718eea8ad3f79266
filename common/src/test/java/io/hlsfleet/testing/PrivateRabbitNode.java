package io.hlsfleet.testing;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.storage.LocalFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A RabbitMQ node of the test's own: its own node name, AMQP, distribution and management ports,
 * and its data, logs and Erlang cookie under one folder. A test may stop, crash, restart and cut
 * it at will without disturbing the machine's shared node and the other tests that use it.
 *
 * <p>Started from the {@code rabbitmq-server} of the machine (Debian's package: the scripts in
 * {@code /usr/lib/rabbitmq/bin}, which run as the calling user; elsewhere the one on the PATH, or
 * the folder named by {@code RABBITMQ_SCRIPTS_DIR}). {@link Builder#config} adds lines to the
 * node's {@code rabbitmq.conf}, such as TLS listeners, and {@link #freePort} picks their ports.
 */
public final class PrivateRabbitNode implements AutoCloseable {

    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final String nodeName;
    private final int amqpPort;
    private final int managementPort;
    private final int distributionPort;
    private final Map<String, String> environment;
    private Process process;

    private PrivateRabbitNode(Builder builder) throws IOException {
        this.dir = Files.createDirectories(builder.dir);
        this.nodeName = "hlsfleet-it-" + UUID.randomUUID().toString().substring(0, 8) + "@localhost";
        this.amqpPort = freePort();
        this.managementPort = freePort();
        this.distributionPort = freePort();
        List<String> config = new ArrayList<>(List.of(
                "listeners.tcp.default = 127.0.0.1:" + amqpPort,
                "management.tcp.ip = 127.0.0.1",
                "management.tcp.port = " + managementPort));
        config.addAll(builder.config);
        Files.write(dir.resolve("rabbitmq.conf"), config);
        List<String> plugins = new ArrayList<>(List.of("rabbitmq_management"));
        plugins.addAll(builder.plugins);
        Files.writeString(dir.resolve("enabled_plugins"), "[" + String.join(",", plugins) + "].\n");
        // An empty environment file, so that the machine's rabbitmq-env.conf (node name, ports) stays out.
        Files.writeString(dir.resolve("rabbitmq-env.conf"), "");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", dir.toString());
        env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
        env.put("RABBITMQ_NODENAME", nodeName);
        env.put("RABBITMQ_DIST_PORT", Integer.toString(distributionPort));
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("data").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_PID_FILE", dir.resolve("node.pid").toString());
        env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
        env.putAll(builder.environment);
        this.environment = Map.copyOf(env);
    }

    /** A node with the defaults, its files under {@code dir}; call {@link #start} to boot it. */
    public static Builder in(Path dir) {
        return new Builder(dir);
    }

    /** A started node with the defaults, its files under {@code dir}. */
    public static PrivateRabbitNode start(Path dir) throws IOException, InterruptedException {
        return in(dir).start();
    }

    /** A TCP port free on loopback right now, for listeners a test adds through {@link Builder#config}. */
    public static int freePort() throws IOException {
        return FreePorts.pick();
    }

    public String host() {
        return "127.0.0.1";
    }

    public int amqpPort() {
        return amqpPort;
    }

    public int managementPort() {
        return managementPort;
    }

    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public String nodeName() {
        return nodeName;
    }

    public Path dir() {
        return dir;
    }

    /** Connection settings for {@code virtualHost} of this node ({@code /} exists from the start). */
    public FleetConfig.RabbitSettings settings(String virtualHost) {
        return new FleetConfig.RabbitSettings(host(), amqpPort, "guest", "guest", virtualHost);
    }

    /** The workers' and the CLI's settings for this node's {@code /} virtual host. */
    public Map<String, String> fleetEnvironment() {
        return Map.of("HLSFLEET_BROKER", "rabbitmq", "SPRING_RABBITMQ_HOST", host(),
                "SPRING_RABBITMQ_PORT", Integer.toString(amqpPort), "SPRING_RABBITMQ_VIRTUAL_HOST", "/",
                "HLSFLEET_RABBITMQ_MANAGEMENT_URL", managementUrl());
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Boots the node (again, with the data it had) and waits until clients and the management API are served. */
    public synchronized PrivateRabbitNode boot() throws IOException, InterruptedException {
        if (isRunning()) {
            return this;
        }
        ProcessBuilder builder = new ProcessBuilder(script("rabbitmq-server"))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node.out").toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("RabbitMQ node " + nodeName + " exited while booting:\n" + tail());
            }
            if (acceptsConnections() && managementAnswers()) {
                return this;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("RabbitMQ node " + nodeName + " did not boot within " + BOOT_TIMEOUT
                + ":\n" + tail());
    }

    /** Stops the node gracefully (SIGTERM, as a service manager does); its data stays for {@link #boot}. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
        awaitVmGone();
        process = null;
    }

    /** SIGKILL of the Erlang VM, as a crashed or evicted broker; its data stays for {@link #boot}. */
    public synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor();
        awaitVmGone();
        process = null;
    }

    /** Stops the node, waits {@code down}, and boots it again with its data. */
    public void restart(Duration down) throws IOException, InterruptedException {
        stop();
        Thread.sleep(down);
        boot();
    }

    /** Closes every client connection to {@code virtualHost}, as a network cut would. */
    public void closeConnections(String virtualHost, String reason) throws IOException, InterruptedException {
        ctl("close_all_connections", "--vhost", virtualHost, reason);
    }

    /** Runs {@code rabbitmqctl} against this node; returns its output, or fails with it. */
    public String ctl(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script("rabbitmqctl"), "-q", "-n", nodeName));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Processes.Result ctl = Processes.run(builder, null, Duration.ofMinutes(2));
        String output = ctl.out() + ctl.err();
        if (!ctl.succeeded()) {
            throw new IllegalStateException("rabbitmqctl " + String.join(" ", arguments) + " failed:\n" + output);
        }
        return output;
    }

    /** Stops the node and deletes its folder. */
    @Override
    public void close() throws InterruptedException {
        try {
            stop();
        } finally {
            LocalFiles.deleteRecursively(dir);
        }
    }

    private boolean acceptsConnections() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host(), amqpPort), 500);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private boolean managementAnswers() throws InterruptedException {
        String credentials = Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(managementUrl() + "/api/overview"))
                .timeout(Duration.ofSeconds(2)).header("Authorization", "Basic " + credentials).build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Waits for the Erlang VM named in the pid file to exit, so that a restart finds its ports free. */
    private void awaitVmGone() throws InterruptedException {
        Optional<ProcessHandle> vm = vmProcess();
        if (vm.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (vm.get().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (vm.get().isAlive()) {
            vm.get().destroyForcibly();
        }
    }

    private Optional<ProcessHandle> vmProcess() {
        try {
            Path pidFile = dir.resolve("node.pid");
            return Files.exists(pidFile) ? ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()))
                    : Optional.empty();
        } catch (IOException | NumberFormatException unreadable) {
            return Optional.empty();
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("node.out"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    /**
     * The RabbitMQ script {@code name}: Debian's {@code /usr/sbin} wrappers switch to the rabbitmq
     * user and lose the node's environment, so the scripts behind them are preferred.
     */
    private static String script(String name) {
        String configured = System.getenv("RABBITMQ_SCRIPTS_DIR");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).resolve(name).toString();
        }
        Path debian = Path.of("/usr/lib/rabbitmq/bin", name);
        return Files.isExecutable(debian) ? debian.toString() : name;
    }

    /** Options of a node before it starts. */
    public static final class Builder {

        private final Path dir;
        private final List<String> config = new ArrayList<>();
        private final List<String> plugins = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** Adds lines to the node's {@code rabbitmq.conf}, e.g. {@code listeners.ssl.default = 127.0.0.1:PORT}. */
        public Builder config(String... lines) {
            config.addAll(List.of(lines));
            return this;
        }

        /** Enables plugins besides {@code rabbitmq_management}. */
        public Builder plugins(String... names) {
            plugins.addAll(List.of(names));
            return this;
        }

        /** Sets an environment variable of the node's scripts, e.g. {@code RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS}. */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        public PrivateRabbitNode start() throws IOException, InterruptedException {
            PrivateRabbitNode node = new PrivateRabbitNode(this);
            try {
                return node.boot();
            } catch (IOException | InterruptedException | RuntimeException e) {
                node.close();
                throw e;
            }
        }
    }
}
