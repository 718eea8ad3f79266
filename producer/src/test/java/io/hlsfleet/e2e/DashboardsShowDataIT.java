package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.testing.SyntheticClip;
import io.hlsfleet.transport.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shipped dashboards and alert rules against a real fleet: three worker processes on
 * RabbitMQ (a virtual host of their own), a few clips of which one is missing, and a real
 * Prometheus configured from {@code deploy/monitoring/prometheus.yml}. Then every query of every
 * panel of every dashboard must return data, and so must every part of every alert expression
 * once its threshold is taken away. A query that returns nothing is a panel that shows nothing:
 * a metric name, label or label value that the workers do not export.
 */
class DashboardsShowDataIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration SCRAPE = Duration.ofSeconds(1);

    /** Grafana's built-in variables, as Grafana would fill them in for a short time range. */
    private static final Map<String, String> GRAFANA_VARIABLES = Map.of(
            "$__rate_interval", "1m",
            "$__interval", "15s",
            "$__range", "5m");

    /**
     * The encode stage's own metrics (speed, CPU) come with its EncodeMetrics. Their panels are
     * checked as soon as the encode worker exports any {@code hlsfleet_encode_} series; before
     * that they are listed as pending rather than failing everything else.
     */
    private static final String ENCODE_METRICS = "hlsfleet_encode_";

    @TempDir
    Path tmp;

    record Query(String where, String expr) {
    }

    @Test
    void everyDashboardPanelAndAlertExpressionHasData() throws Exception {
        assumeTrue(PrometheusServer.binary() != null, "prometheus is not installed (apt-get install prometheus)");
        try (Fleet fleet = new Fleet(FleetBroker.Kind.RABBITMQ, tmp, "DashboardsShowDataIT")) {
            fleet.set("HLSFLEET_QUEUE_METRICS_INTERVAL", "1s");
            run(fleet);
        }
    }

    private void run(Fleet fleet) throws Exception {
        List<Path> sources = List.of(
                SyntheticClip.generate(fleet.clips(), "one.mp4", 640, 360, 2),
                SyntheticClip.generate(fleet.clips(), "two.mp4", 1280, 720, 2));
        Path prometheusDir = Files.createDirectories(tmp.resolve("prometheus"));

        Map<String, WorkerProcess> workers = fleet.startAll();
        Map<String, String> targets = Map.of(
                "download-worker", "127.0.0.1:" + workers.get(Fleet.DOWNLOAD).port(),
                "encode-worker", "127.0.0.1:" + workers.get(Fleet.ENCODE).port(),
                "upload-worker", "127.0.0.1:" + workers.get(Fleet.UPLOAD).port());
        try (PrometheusServer prometheus = PrometheusServer.start(prometheusDir, targets, SCRAPE)) {
            // A few scrapes of the idle fleet first, so that rates see the counters rise.
            await("Prometheus scraping the three workers and itself").atMost(Duration.ofSeconds(30))
                    .until(() -> prometheus.query("up == 1").size() >= 4);
            Thread.sleep(3 * SCRAPE.toMillis());

            List<String> urls = new ArrayList<>();
            for (Path source : sources) {
                urls.add(fleet.origin().url(source.getFileName().toString()));
            }
            urls.add(fleet.origin().url("missing.mp4"));
            Transport transport = fleet.transport();
            for (String url : urls) {
                transport.publish(Stage.DOWNLOAD, Job.submit(url, false));
            }
            Path bucket = fleet.bucket();
            await("the ladders of " + urls.subList(0, 2) + " and one dead letter on the download stage")
                    .atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        for (String url : urls.subList(0, 2)) {
                            assertThat(bucket.resolve(VideoId.fromSource(url)).resolve("master.m3u8")).exists();
                        }
                        assertThat(transport.deadLetters(Stage.DOWNLOAD, 10)).hasSize(1);
                    });
            // The gauges poll the broker every second; let a few scrapes see the final state.
            await("hlsfleet_dead_letters{stage=\"download\"} at 1 in Prometheus").atMost(Duration.ofSeconds(30))
                    .until(() -> value(prometheus.query("max(hlsfleet_dead_letters{stage=\"download\"})")) == 1.0);
            Thread.sleep(3 * SCRAPE.toMillis());

            check(prometheus);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n(worker logs in " + fleet.logs() + ")", e);
        }
    }

    private void check(PrometheusServer prometheus) throws IOException {
        boolean encodeMetricsExported = !prometheus.query("count({__name__=~\"" + ENCODE_METRICS + ".+\"})").isEmpty();
        List<String> empty = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        List<Query> queries = new ArrayList<>(dashboardQueries());
        queries.addAll(alertQueries());
        assertThat(queries).hasSizeGreaterThan(40);
        for (Query q : queries) {
            if (prometheus.query(q.expr()).isEmpty()) {
                if (!encodeMetricsExported && q.expr().contains(ENCODE_METRICS)) {
                    pending.add(q.where());
                } else {
                    empty.add(q.where() + ": " + q.expr());
                }
            }
        }
        assertThat(empty).as("queries without data").isEmpty();
        if (!pending.isEmpty()) {
            System.out.println("Waiting for the encode stage's metrics (" + ENCODE_METRICS + "*): " + pending);
        }

        // Prometheus itself evaluated every alert rule against the live series without an error.
        List<String> unhealthy = new ArrayList<>();
        int rules = 0;
        for (JsonNode group : prometheus.rules()) {
            for (JsonNode rule : group.path("rules")) {
                rules++;
                if (!"ok".equals(rule.path("health").asString())) {
                    unhealthy.add(rule.path("name").asString() + ": " + rule.path("lastError").asString());
                }
            }
        }
        assertThat(rules).as("alert rules loaded from alerts.yml").isEqualTo(alertRules().size());
        assertThat(unhealthy).as("alert rules that failed to evaluate").isEmpty();
    }

    private static double value(JsonNode result) {
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asString());
    }

    /** Every target of every panel (rows' nested panels too) of every shipped dashboard. */
    static List<Query> dashboardQueries() throws IOException {
        List<Query> queries = new ArrayList<>();
        Path dir = Project.root().resolve("deploy/monitoring/grafana/dashboards");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = JSON.readTree(file.toFile());
                List<JsonNode> panels = new ArrayList<>();
                for (JsonNode panel : dashboard.path("panels")) {
                    panels.add(panel);
                    panel.path("panels").forEach(panels::add);
                }
                for (JsonNode panel : panels) {
                    for (JsonNode target : panel.path("targets")) {
                        String where = dashboard.path("uid").asString() + " / " + panel.path("title").asString()
                                + " / " + target.path("refId").asString();
                        queries.add(new Query(where, substitute(target.path("expr").asString(), dashboard)));
                    }
                }
            }
        }
        return queries;
    }

    /** Grafana's variables, and the dashboard's own with their current (or first) value. */
    static String substitute(String expr, JsonNode dashboard) {
        String result = expr;
        for (Map.Entry<String, String> variable : GRAFANA_VARIABLES.entrySet()) {
            result = result.replace(variable.getKey(), variable.getValue());
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            String name = variable.path("name").asString();
            JsonNode current = variable.path("current").path("value");
            String value = current.isMissingNode() || current.asString().isEmpty() || current.asString().equals("$__all")
                    ? ".+" : current.asString();
            result = result.replace("${" + name + "}", value).replace("$" + name, value);
        }
        assertThat(result).as("unsubstituted variable in %s", expr).doesNotContain("$");
        return result;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> alertRules() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(Project.root().resolve("deploy/monitoring/alerts.yml")));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            rules.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return rules;
    }

    /**
     * The data behind every alert. An alert's expression is a condition and rightly empty on a
     * healthy fleet, so each operand of its top-level {@code and}/{@code or}/{@code unless} is
     * checked on its own with comparisons against constants ({@code > 0}, {@code < 1}) removed.
     */
    static List<Query> alertQueries() throws IOException {
        List<Query> queries = new ArrayList<>();
        for (Map<String, Object> rule : alertRules()) {
            String name = String.valueOf(rule.get("alert"));
            List<String> operands = topLevelOperands(String.valueOf(rule.get("expr")));
            for (int i = 0; i < operands.size(); i++) {
                String operand = withoutThresholds(operands.get(i));
                if (!operand.startsWith("absent(")) {
                    queries.add(new Query("alert " + name + " / operand " + (i + 1), operand));
                }
            }
        }
        return queries;
    }

    private static final Pattern SET_OPERATOR = Pattern.compile(
            "\\b(?:and|or|unless)\\b(?:\\s+(?:on|ignoring)\\s*\\([^)]*\\))?");
    private static final Pattern THRESHOLD = Pattern.compile("(?:==|!=|>=|<=|>|<)\\s*(?:bool\\s+)?[0-9.]+(?:e[0-9]+)?");

    static List<String> topLevelOperands(String expr) {
        List<String> operands = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                depth--;
            } else if (depth == 0) {
                Matcher m = SET_OPERATOR.matcher(expr).region(i, expr.length());
                if (m.lookingAt() && (i == 0 || !Character.isLetterOrDigit(expr.charAt(i - 1)))) {
                    operands.add(expr.substring(start, i).strip());
                    i = m.end() - 1;
                    start = m.end();
                }
            }
        }
        operands.add(expr.substring(start).strip());
        return operands;
    }

    static String withoutThresholds(String expr) {
        return THRESHOLD.matcher(expr).replaceAll("").strip();
    }
}
