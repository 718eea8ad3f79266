package io.hlsfleet.e2e;

import io.hlsfleet.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus (the {@code prometheus} binary) scraping workers on this machine, configured
 * from the shipped {@code deploy/monitoring/prometheus.yml}: the same jobs and rule files, with
 * each job's service discovery replaced by the local address of the matching worker process.
 */
final class PrometheusServer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient client = HttpClient.newHttpClient();

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The binary to run, or null when Prometheus is not installed. */
    static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "prometheus");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Starts Prometheus with {@code deploy/monitoring/prometheus.yml} rewritten: {@code targets}
     * maps a job name to the {@code host:port} it scrapes; jobs not in it are dropped, except the
     * self-scrape. Rule files are copied next to the generated configuration.
     */
    @SuppressWarnings("unchecked")
    static PrometheusServer start(Path dir, Map<String, String> targets, Duration scrapeInterval) throws IOException {
        Path monitoring = Project.root().resolve("deploy/monitoring");
        Map<String, Object> config = new Yaml().load(Files.readString(monitoring.resolve("prometheus.yml")));
        int port = freePort();
        Map<String, Object> global = (Map<String, Object>) config.get("global");
        String interval = scrapeInterval.toMillis() + "ms";
        global.put("scrape_interval", interval);
        global.put("scrape_timeout", interval);
        global.put("evaluation_interval", interval);
        for (Object file : (List<Object>) config.getOrDefault("rule_files", List.of())) {
            Files.copy(monitoring.resolve(file.toString()), dir.resolve(file.toString()));
        }
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (Map<String, Object> job : (List<Map<String, Object>>) config.get("scrape_configs")) {
            String name = job.get("job_name").toString();
            String target = name.equals("prometheus") ? "127.0.0.1:" + port : targets.get(name);
            if (target == null) {
                continue;
            }
            Map<String, Object> local = new LinkedHashMap<>(job);
            local.remove("dns_sd_configs");
            local.put("static_configs", List.of(Map.of("targets", List.of(target))));
            jobs.add(local);
        }
        config.put("scrape_configs", jobs);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, new Yaml().dump(config));

        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(binary().toString(),
                "--config.file=" + file,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("data")),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, port, log);
        server.awaitReady(Duration.ofSeconds(30));
        return server;
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited:\n" + log());
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Still starting.
            }
            sleep(200);
        }
        throw new IllegalStateException("prometheus did not become ready:\n" + log());
    }

    /** The result vector of an instant query; fails on a query error. */
    JsonNode query(String promql) throws IOException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        if (!"success".equals(body.path("status").asString())) {
            throw new IllegalStateException("query failed: " + promql + "\n" + response.body());
        }
        return body.path("data").path("result");
    }

    /** {@code /api/v1/rules}: every loaded rule with its last evaluation's health. */
    JsonNode rules() throws IOException {
        return JSON.readTree(get("/api/v1/rules").body()).path("data").path("groups");
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "(no output)";
    }

    private static int freePort() throws IOException {
        return FreePorts.pick();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
