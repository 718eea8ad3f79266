package io.hlsfleet.deploy;

import static io.hlsfleet.deploy.DeployFiles.DIR;
import static io.hlsfleet.deploy.DeployFiles.list;
import static io.hlsfleet.deploy.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** deploy/monitoring: Prometheus config, alert rules and their promtool unit tests. */
class PrometheusRulesTest {

    /** The alerts the fleet must have; alerts.yml may add more, never fewer. */
    private static final Set<String> REQUIRED = Set.of(
            "HlsfleetQueueNotDraining",
            "HlsfleetStageFailureRateHigh",
            "HlsfleetDeadLettersGrowing",
            "HlsfleetNoLiveWorkers",
            "HlsfleetEncodeSlowerThanRealtime");

    private static List<Map<String, Object>> rules() {
        return list(DeployFiles.yaml("monitoring/alerts.yml").get("groups")).stream()
                .flatMap(g -> list(map(g).get("rules")).stream()).map(DeployFiles::map).toList();
    }

    @Test
    void requiredAlertsExistWithSeverityAndText() {
        List<Map<String, Object>> rules = rules();
        assertThat(rules).extracting(r -> r.get("alert")).doesNotHaveDuplicates().containsAll(REQUIRED);
        for (Map<String, Object> rule : rules) {
            String name = String.valueOf(rule.get("alert"));
            assertThat(rule).as("alert %s", name).containsKeys("expr", "for");
            assertThat(map(rule.get("labels"))).as("labels of %s", name).containsKey("severity");
            assertThat(map(rule.get("labels")).get("severity")).as("severity of %s", name).isIn("warning", "critical");
            assertThat(map(rule.get("annotations"))).as("annotations of %s", name).containsKeys("summary", "description");
            assertThat(Metrics.unknownIn(String.valueOf(rule.get("expr")))).as("unknown metrics in %s", name).isEmpty();
        }
    }

    @Test
    void everyAlertIsTestedFiringAndSilent() {
        Map<String, Object> tests = DeployFiles.yaml("monitoring/alerts.test.yml");
        assertThat(list(tests.get("rule_files"))).containsExactly("alerts.yml");
        Set<String> firing = new HashSet<>();
        Set<String> silent = new HashSet<>();
        for (Object test : list(tests.get("tests"))) {
            for (Object check : list(map(test).getOrDefault("alert_rule_test", List.of()))) {
                Map<String, Object> c = map(check);
                String alert = String.valueOf(c.get("alertname"));
                List<Object> expected = list(c.getOrDefault("exp_alerts", List.of()));
                (expected.isEmpty() ? silent : firing).add(alert);
            }
        }
        for (Map<String, Object> rule : rules()) {
            String alert = String.valueOf(rule.get("alert"));
            assertThat(firing).as("a promtool case where %s fires", alert).contains(alert);
            assertThat(silent).as("a promtool case where %s stays silent", alert).contains(alert);
        }
    }

    @Test
    void scrapeJobsAreNamedAfterTheWorkers() {
        Map<String, Object> config = DeployFiles.yaml("monitoring/prometheus.yml");
        assertThat(list(config.get("rule_files"))).containsExactly("alerts.yml");
        List<Object> jobs = list(config.get("scrape_configs")).stream().map(c -> map(c).get("job_name")).toList();
        // HlsfleetNoLiveWorkers matches on these job names.
        assertThat(jobs).contains("download-worker", "encode-worker", "upload-worker");
        String noLive = rules().stream().filter(r -> "HlsfleetNoLiveWorkers".equals(r.get("alert")))
                .map(r -> String.valueOf(r.get("expr"))).findFirst().orElseThrow();
        for (String stage : DeployFiles.STAGES) {
            assertThat(noLive).contains("absent(up{job=\"" + stage + "-worker\"})");
        }
    }

    @Test
    void promtoolAcceptsConfigAndRules() {
        Path promtool = DeployFiles.requireTool("promtool");
        Path dir = DIR.resolve("monitoring");
        DeployFiles.runOk(dir, Duration.ofMinutes(1), promtool.toString(), "check", "config", "prometheus.yml");
        DeployFiles.runOk(dir, Duration.ofMinutes(1), promtool.toString(), "check", "rules", "alerts.yml");
    }

    @Test
    void promtoolUnitTestsPass() {
        Path promtool = DeployFiles.requireTool("promtool");
        String output = DeployFiles.runOk(DIR.resolve("monitoring"), Duration.ofMinutes(2),
                promtool.toString(), "test", "rules", "alerts.test.yml");
        assertThat(output).contains("SUCCESS");
    }
}
