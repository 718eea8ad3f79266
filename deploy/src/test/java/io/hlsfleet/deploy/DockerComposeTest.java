package io.hlsfleet.deploy;

import static io.hlsfleet.deploy.DeployFiles.DIR;
import static io.hlsfleet.deploy.DeployFiles.STAGES;
import static io.hlsfleet.deploy.DeployFiles.list;
import static io.hlsfleet.deploy.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Static checks of deploy/docker-compose.yml and its Redis variant, plus `docker-compose config`. */
class DockerComposeTest {

    private static final String COMPOSE = "docker-compose.yml";
    private static final String REDIS = "docker-compose.redis.yml";

    private final Map<String, Object> compose = DeployFiles.yaml(COMPOSE);
    private final Map<String, Object> services = map(compose.get("services"));

    private Map<String, Object> service(String name) {
        assertThat(services).as("compose services").containsKey(name);
        return map(services.get(name));
    }

    private static Map<String, Object> env(Map<String, Object> service) {
        return map(service.getOrDefault("environment", Map.of()));
    }

    @Test
    void definesTheWholeFleet() {
        assertThat(services).containsKeys("rabbitmq", "redis", "minio", "minio-init", "prometheus", "grafana",
                "download-worker", "encode-worker", "upload-worker", "cli");
    }

    @Test
    void everyImageIsPinned() {
        services.forEach((name, value) -> {
            Object image = map(value).get("image");
            assertThat(image).as("image of service %s", name).isNotNull();
            DeployFiles.assertPinned(DeployFiles.withDefaults(image.toString()), "compose service " + name);
        });
        assertThat(service("rabbitmq").get("image").toString()).as("RabbitMQ 4.x with management").matches("rabbitmq:4\\.[0-9.]+-management");
    }

    @Test
    void workersAreBuiltFromTheSharedDockerfile() {
        String dockerfile = DeployFiles.read("docker/Dockerfile");
        for (String name : List.of("download-worker", "encode-worker", "upload-worker", "cli")) {
            Map<String, Object> build = map(service(name).get("build"));
            assertThat(DIR.resolve(build.get("context").toString()).resolve(build.get("dockerfile").toString()).normalize())
                    .as("Dockerfile of %s", name).isEqualTo(DIR.resolve("docker/Dockerfile"));
            assertThat(dockerfile).as("Dockerfile target of %s", name).containsPattern("(?m)^FROM \\S+ AS " + build.get("target") + "$");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"download", "encode", "upload"})
    void workerWaitsLongerThanItsShutdownGraceBeforeKilling(String stage) {
        Map<String, Object> worker = service(stage + "-worker");
        Object grace = env(worker).get("HLSFLEET_SHUTDOWN_GRACE");
        assertThat(grace).as("%s-worker sets HLSFLEET_SHUTDOWN_GRACE explicitly", stage).isNotNull();
        Object stop = worker.get("stop_grace_period");
        assertThat(stop).as("%s-worker stop_grace_period (Docker's default of 10s would kill jobs)", stage).isNotNull();
        assertThat(DeployFiles.seconds(stop.toString()))
                .as("%s-worker stop_grace_period vs HLSFLEET_SHUTDOWN_GRACE", stage)
                .isGreaterThan(DeployFiles.seconds(grace.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"download", "encode", "upload"})
    void workerSharesStagingAndObjectStore(String stage) {
        Map<String, Object> worker = service(stage + "-worker");
        Map<String, Object> env = env(worker);
        assertThat(env).containsEntry("HLSFLEET_BROKER", "rabbitmq")
                .containsKeys("HLSFLEET_BUCKET", "AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
                .containsEntry("HLSFLEET_S3_PATH_STYLE", "true");
        String staging = env.get("HLSFLEET_STAGING").toString();
        assertThat(list(worker.get("volumes"))).as("%s-worker volumes", stage).contains("staging:" + staging);
        assertThat(map(compose.get("volumes"))).containsKey("staging");
        Map<String, Object> dependsOn = map(worker.get("depends_on"));
        assertThat(map(dependsOn.get("minio-init"))).containsEntry("condition", "service_completed_successfully");
        Map<String, Object> limits = map(map(map(worker.get("deploy")).get("resources")).get("limits"));
        assertThat(limits).as("%s-worker limits", stage).containsKeys("cpus", "memory");
        assertThat(map(worker.get("deploy")).get("replicas")).as("%s-worker replicas", stage).isNotNull();
        assertThat(worker).as("%s-worker is scalable: no fixed container name or host port", stage)
                .doesNotContainKeys("container_name", "ports");
    }

    @Test
    void encodeIsLimitedToTheCoresItsFfmpegUses() {
        Map<String, Object> encode = service("encode-worker");
        Object cpus = map(map(map(encode.get("deploy")).get("resources")).get("limits")).get("cpus");
        assertThat(env(encode).get("HLSFLEET_ENCODE_THREADS")).as("ffmpeg threads follow the CPU limit").isEqualTo(cpus);
        assertThat(env(encode)).containsEntry("HLSFLEET_CONCURRENCY", "1");
    }

    @Test
    void credentialsAreNeverLiteralsInServiceDefinitions() {
        List<String> literal = new ArrayList<>();
        services.forEach((name, value) -> env(map(value)).forEach((key, v) -> {
            if (DeployFiles.isCredential(key) && (v == null || !v.toString().contains("${"))) {
                literal.add(name + "." + key);
            }
        }));
        assertThat(literal).as("credential variables must come from the environment / .env").isEmpty();
    }

    @Test
    void envExampleNamesEveryVariableTheFileReads() {
        String text = DeployFiles.read(COMPOSE);
        String example = DeployFiles.read(".env.example");
        var m = java.util.regex.Pattern.compile("\\$\\{([A-Z0-9_]+)[:}-]").matcher(text);
        Set<String> optional = Set.of("MINIO_IMAGE", "MINIO_MC_IMAGE");
        while (m.find()) {
            if (!optional.contains(m.group(1))) {
                assertThat(example).as(".env.example documents %s", m.group(1)).containsPattern("(?m)^" + m.group(1) + "=");
            }
        }
    }

    @Test
    void monitoringIsWiredToTheMonitoringFolder() {
        assertThat(list(service("prometheus").get("volumes"))).contains("./monitoring:/etc/prometheus:ro");
        assertThat(list(service("prometheus").get("command"))).contains("--config.file=/etc/prometheus/prometheus.yml");
        List<Object> grafanaVolumes = list(service("grafana").get("volumes"));
        assertThat(grafanaVolumes).contains("./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro",
                "./monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro");
        // Prometheus finds each worker through the compose service name of the same name.
        Map<String, Object> prometheus = DeployFiles.yaml("monitoring/prometheus.yml");
        for (String stage : STAGES) {
            String job = stage + "-worker";
            Map<String, Object> scrape = list(prometheus.get("scrape_configs")).stream().map(DeployFiles::map)
                    .filter(c -> job.equals(c.get("job_name"))).findFirst().orElseThrow(() -> new AssertionError("no scrape job " + job));
            Map<String, Object> dns = map(list(scrape.get("dns_sd_configs")).getFirst());
            assertThat(list(dns.get("names"))).containsExactly(job);
            assertThat(services).containsKey(job);
            assertThat(scrape).containsEntry("metrics_path", "/actuator/prometheus");
        }
    }

    @Test
    void minioInitCreatesTheBucketTheWorkersUse() {
        Map<String, Object> init = service("minio-init");
        assertThat(map(map(init.get("depends_on")).get("minio"))).containsEntry("condition", "service_healthy");
        assertThat(String.join("\n", list(init.get("command")).stream().map(Object::toString).toList())).contains("mc mb");
        String bucket = DeployFiles.withDefaults(env(init).get("BUCKET").toString());
        assertThat(DeployFiles.withDefaults(env(service("upload-worker")).get("HLSFLEET_BUCKET").toString()))
                .startsWith("s3://" + bucket + "/");
    }

    @Test
    void redisVariantSwitchesEveryWorkerAndDropsRabbitmq() {
        Map<String, Object> override = map(DeployFiles.yaml(REDIS).get("services"));
        for (String stage : STAGES) {
            Map<String, Object> worker = map(override.get(stage + "-worker"));
            assertThat(env(worker)).as("%s-worker in the Redis variant", stage).containsEntry("HLSFLEET_BROKER", "redis");
            assertThat(map(map(worker.get("depends_on")).get("redis"))).containsEntry("condition", "service_healthy");
        }
        assertThat(env(map(override.get("cli")))).containsEntry("HLSFLEET_BROKER", "redis");
        assertThat(list(map(override.get("rabbitmq")).get("profiles"))).as("RabbitMQ leaves the default profile").isNotEmpty();
        // The Redis URL the workers get points at the compose Redis with its password.
        assertThat(env(service("download-worker")).get("HLSFLEET_REDIS_URL").toString())
                .isEqualTo("redis://:${REDIS_PASSWORD:-hlsfleet}@redis:6379");
    }

    @Test
    void composeConfigAcceptsBothVariants() {
        List<String> base = composeCommand();
        List<String> plain = new ArrayList<>(base);
        plain.addAll(List.of("-f", COMPOSE, "config", "-q"));
        DeployFiles.runOk(DIR, Duration.ofMinutes(2), plain.toArray(String[]::new));
        List<String> redis = new ArrayList<>(base);
        redis.addAll(List.of("-f", COMPOSE, "-f", REDIS, "config", "-q"));
        DeployFiles.runOk(DIR, Duration.ofMinutes(2), redis.toArray(String[]::new));
    }

    /** `docker-compose` (v1 or v2 standalone) or the `docker compose` plugin; skips if neither is there. */
    private static List<String> composeCommand() {
        Optional<Path> standalone = DeployFiles.which("docker-compose");
        if (standalone.isPresent()) {
            return List.of(standalone.get().toString());
        }
        Optional<Path> docker = DeployFiles.which("docker");
        boolean plugin = docker.isPresent()
                && DeployFiles.run(DIR, Duration.ofSeconds(30), docker.get().toString(), "compose", "version").exitCode() == 0;
        assumeTrue(plugin, "neither docker-compose nor the docker compose plugin is installed");
        return List.of(docker.get().toString(), "compose");
    }
}
