package io.hlsfleet.deploy;

import static io.hlsfleet.deploy.DeployFiles.list;
import static io.hlsfleet.deploy.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grafana provisioning files and dashboards: they parse, and every panel has a real query. */
class GrafanaDashboardsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Query(String dashboard, String panel, String expr) {
    }

    private static List<JsonNode> dashboards() throws IOException {
        List<JsonNode> result = new ArrayList<>();
        for (Path file : DeployFiles.files("monitoring/grafana/dashboards", ".json")) {
            result.add(JSON.readTree(file.toFile()));
        }
        return result;
    }

    /** Panels, including those nested in collapsed rows. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> result = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            result.add(panel);
            panel.path("panels").forEach(result::add);
        }
        return result;
    }

    private static List<Query> queries() throws IOException {
        List<Query> result = new ArrayList<>();
        for (JsonNode dashboard : dashboards()) {
            for (JsonNode panel : panels(dashboard)) {
                if (!"row".equals(panel.path("type").asText())) {
                    for (JsonNode target : panel.path("targets")) {
                        result.add(new Query(dashboard.path("uid").asText(), panel.path("title").asText(), target.path("expr").asText()));
                    }
                }
            }
        }
        return result;
    }

    private static String datasourceUid() {
        Map<String, Object> provisioning = DeployFiles.yaml("monitoring/grafana/provisioning/datasources/prometheus.yml");
        Map<String, Object> datasource = map(list(provisioning.get("datasources")).getFirst());
        assertThat(datasource).containsEntry("type", "prometheus").containsEntry("url", "http://prometheus:9090");
        return String.valueOf(datasource.get("uid"));
    }

    @Test
    void thereIsAnOverviewAndOneDashboardPerStage() throws IOException {
        List<String> uids = dashboards().stream().map(d -> d.path("uid").asText()).toList();
        assertThat(uids).doesNotHaveDuplicates()
                .containsExactlyInAnyOrder("hlsfleet-overview", "hlsfleet-download", "hlsfleet-encode", "hlsfleet-upload");
        for (JsonNode d : dashboards()) {
            assertThat(d.path("title").asText()).as("title of %s", d.path("uid").asText()).isNotBlank();
        }
    }

    @Test
    void everyPanelHasANonEmptyQueryOnTheProvisionedDatasource() throws IOException {
        String uid = datasourceUid();
        for (JsonNode dashboard : dashboards()) {
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : panels(dashboard)) {
                String where = dashboard.path("uid").asText() + " / " + panel.path("title").asText();
                assertThat(ids.add(panel.path("id").asInt())).as("unique panel id in %s", where).isTrue();
                if ("row".equals(panel.path("type").asText())) {
                    continue;
                }
                assertThat(panel.path("datasource").path("uid").asText()).as("datasource of %s", where).isEqualTo(uid);
                assertThat(panel.path("targets").size()).as("queries of %s", where).isPositive();
                for (JsonNode target : panel.path("targets")) {
                    assertThat(target.path("expr").asText()).as("PromQL expr of %s", where).isNotBlank();
                    assertThat(target.path("refId").asText()).as("refId in %s", where).isNotBlank();
                }
            }
        }
    }

    @Test
    void queriesUseOnlyExportedMetricNames() throws IOException {
        List<Query> queries = queries();
        assertThat(queries).isNotEmpty();
        for (Query q : queries) {
            assertThat(Metrics.unknownIn(q.expr())).as("unknown metrics in %s / %s: %s", q.dashboard(), q.panel(), q.expr()).isEmpty();
        }
        String all = String.join("\n", queries.stream().map(Query::expr).toList());
        for (String metric : List.of("hlsfleet_queue_depth", "hlsfleet_stage_jobs_total", "hlsfleet_stage_duration_seconds_bucket",
                "hlsfleet_stage_inflight", "hlsfleet_job_latency_seconds_bucket", "hlsfleet_dead_letters", "hlsfleet_encode_speed_ratio")) {
            assertThat(all).as("dashboards chart %s", metric).contains(metric);
        }
    }

    /** Every dashboard query is valid PromQL: promtool parses them as recording rules. */
    @Test
    void queriesParseAsPromql(@TempDir Path dir) throws IOException {
        Path promtool = DeployFiles.requireTool("promtool");
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
        List<Query> queries = queries();
        for (int i = 0; i < queries.size(); i++) {
            rules.append("      - record: dashboard_query_").append(i).append('\n')
                    .append("        expr: ").append(JSON.writeValueAsString(queries.get(i).expr())).append('\n');
        }
        Path file = dir.resolve("dashboard-queries.yml");
        Files.writeString(file, rules);
        String output = DeployFiles.runOk(dir, Duration.ofMinutes(1), promtool.toString(), "check", "rules", file.toString());
        assertThat(output).contains("SUCCESS: " + queries.size() + " rules found");
    }

    @Test
    void dashboardProviderPointsWhereComposeMountsTheDashboards() {
        Map<String, Object> provisioning = DeployFiles.yaml("monitoring/grafana/provisioning/dashboards/hlsfleet.yml");
        Map<String, Object> provider = map(list(provisioning.get("providers")).getFirst());
        assertThat(provider).containsEntry("type", "file");
        String path = String.valueOf(map(provider.get("options")).get("path"));
        Map<String, Object> grafana = map(map(DeployFiles.yaml("docker-compose.yml").get("services")).get("grafana"));
        assertThat(list(grafana.get("volumes"))).anySatisfy(v -> assertThat(String.valueOf(v)).endsWith(":" + path + ":ro"));
    }
}
