package io.hlsfleet.deploy;

import static io.hlsfleet.deploy.DeployFiles.DIR;
import static io.hlsfleet.deploy.DeployFiles.STAGES;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.rabbit.RabbitTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders each Kustomize overlay with `kubectl kustomize` and checks the result through fabric8's
 * typed models (KEDA objects as generic resources). Skipped when kubectl is not installed.
 */
class KustomizeTest {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** A rendered overlay: every object it would create. */
    private record Rendered(String overlay, List<HasMetadata> objects) {

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        List<GenericKubernetesResource> generic(String kind) {
            return all(GenericKubernetesResource.class).stream().filter(r -> kind.equals(r.getKind())).toList();
        }

        <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
            return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
        }

        Deployment worker(String stage) {
            return named(Deployment.class, stage + "-worker")
                    .orElseThrow(() -> new AssertionError(overlay + " renders no Deployment " + stage + "-worker"));
        }

        /** Every pod template in the overlay, with a label for messages. */
        Map<String, PodTemplateSpec> podTemplates() {
            Map<String, PodTemplateSpec> result = new java.util.LinkedHashMap<>();
            all(Deployment.class).forEach(d -> result.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate()));
            all(StatefulSet.class).forEach(s -> result.put("StatefulSet/" + s.getMetadata().getName(), s.getSpec().getTemplate()));
            return result;
        }
    }

    private static Rendered render(String overlay) {
        Path kubectl = DeployFiles.requireTool("kubectl");
        String yaml = DeployFiles.runOk(DIR, Duration.ofMinutes(2), kubectl.toString(), "kustomize", "k8s/overlays/" + overlay);
        return parse(overlay, yaml);
    }

    private static Rendered parse(String name, String yaml) {
        Object parsed = SERIALIZATION.unmarshal(yaml);
        List<HasMetadata> objects = new ArrayList<>();
        if (parsed instanceof List<?> many) {
            many.forEach(o -> objects.add((HasMetadata) o));
        } else {
            objects.add((HasMetadata) parsed);
        }
        assertThat(objects).as("objects rendered by %s", name).isNotEmpty();
        return new Rendered(name, objects);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void everyContainerHasProbesAndResources(String overlay) {
        Rendered r = render(overlay);
        assertThat(r.podTemplates()).hasSizeGreaterThanOrEqualTo(3);
        r.podTemplates().forEach((owner, template) -> {
            List<Container> containers = new ArrayList<>(template.getSpec().getContainers());
            containers.addAll(Objects.requireNonNullElse(template.getSpec().getInitContainers(), List.of()));
            for (Container c : containers) {
                String where = owner + " container " + c.getName();
                assertThat(c.getLivenessProbe()).as("liveness probe of %s", where).isNotNull();
                assertThat(c.getReadinessProbe()).as("readiness probe of %s", where).isNotNull();
                ResourceRequirements res = c.getResources();
                assertThat(res).as("resources of %s", where).isNotNull();
                assertThat(res.getRequests()).as("requests of %s", where).containsKeys("cpu", "memory");
                assertThat(res.getLimits()).as("limits of %s", where).containsKeys("cpu", "memory");
                for (String resource : List.of("cpu", "memory")) {
                    assertThat(Quantity.getAmountInBytes(res.getLimits().get(resource)))
                            .as("%s limit >= request in %s", resource, where)
                            .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(res.getRequests().get(resource)));
                }
                DeployFiles.assertPinned(c.getImage(), where);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void credentialsComeFromSecretsThatExist(String overlay) {
        Rendered r = render(overlay);
        Map<String, Secret> secrets = new java.util.HashMap<>();
        r.all(Secret.class).forEach(s -> secrets.put(s.getMetadata().getName(), s));
        r.podTemplates().forEach((owner, template) -> {
            for (Container c : template.getSpec().getContainers()) {
                for (EnvVar env : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
                    String where = owner + " env " + env.getName();
                    if (DeployFiles.isCredential(env.getName())) {
                        assertThat(env.getValue()).as("%s has no inline value", where).isNull();
                        assertThat(env.getValueFrom()).as("%s comes from a Secret", where).isNotNull();
                        assertThat(env.getValueFrom().getSecretKeyRef()).as("%s comes from a secretKeyRef", where).isNotNull();
                    }
                    if (env.getValue() != null) {
                        assertThat(env.getValue()).as("%s embeds no user:password@ in a URL", where).doesNotContainPattern("://[^/@\\s]+@");
                    }
                    if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                        var ref = env.getValueFrom().getSecretKeyRef();
                        Secret secret = secrets.get(ref.getName());
                        assertThat(secret).as("Secret %s referenced by %s is rendered", ref.getName(), where).isNotNull();
                        Map<String, String> data = Objects.requireNonNullElse(secret.getData(), Map.of());
                        Map<String, String> stringData = Objects.requireNonNullElse(secret.getStringData(), Map.of());
                        assertThat(data.containsKey(ref.getKey()) || stringData.containsKey(ref.getKey()))
                                .as("Secret %s has key %s (for %s)", ref.getName(), ref.getKey(), where).isTrue();
                    }
                }
                for (var from : Objects.requireNonNullElse(c.getEnvFrom(), List.<io.fabric8.kubernetes.api.model.EnvFromSource>of())) {
                    if (from.getConfigMapRef() != null) {
                        String name = from.getConfigMapRef().getName();
                        ConfigMap cm = r.named(ConfigMap.class, name).orElseThrow(() -> new AssertionError(owner + " uses missing ConfigMap " + name));
                        cm.getData().forEach((k, v) -> assertThat(DeployFiles.isCredential(k))
                                .as("ConfigMap %s holds credential %s", name, k).isFalse());
                    }
                }
            }
        });
        // The Deployments themselves reference credentials only through secretKeyRef: no Secret
        // object is embedded in them and no credential lives in a ConfigMap (checked above).
        for (GenericKubernetesResource auth : r.generic("TriggerAuthentication")) {
            List<Map<String, Object>> refs = listOfMaps(spec(auth).get("secretTargetRef"));
            assertThat(refs).as("TriggerAuthentication %s", auth.getMetadata().getName()).isNotEmpty();
            for (Map<String, Object> ref : refs) {
                Secret secret = secrets.get(String.valueOf(ref.get("name")));
                assertThat(secret).as("Secret %s used by KEDA is rendered (hashed name rewritten)", ref.get("name")).isNotNull();
                assertThat(secret.getData()).containsKey(String.valueOf(ref.get("key")));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void everyWorkerHasAScaledObjectOnItsOwnQueue(String overlay) {
        Rendered r = render(overlay);
        List<GenericKubernetesResource> scaledObjects = r.generic("ScaledObject");
        List<String> auths = r.generic("TriggerAuthentication").stream().map(a -> a.getMetadata().getName()).toList();
        for (String stage : STAGES) {
            Deployment worker = r.worker(stage);
            List<GenericKubernetesResource> targeting = scaledObjects.stream()
                    .filter(so -> worker.getMetadata().getName().equals(map(spec(so).get("scaleTargetRef")).get("name")))
                    .toList();
            assertThat(targeting).as("ScaledObjects targeting %s", worker.getMetadata().getName()).hasSize(1);
            GenericKubernetesResource so = targeting.getFirst();
            Map<String, Object> spec = spec(so);
            Object kind = map(spec.get("scaleTargetRef")).get("kind");
            assertThat(kind == null || "Deployment".equals(kind)).as("scaleTargetRef kind").isTrue();
            int min = ((Number) spec.get("minReplicaCount")).intValue();
            int max = ((Number) spec.get("maxReplicaCount")).intValue();
            assertThat(min).as("minReplicaCount of %s (>= 1 keeps the no-live-worker alert meaningful)", stage).isGreaterThanOrEqualTo(1);
            assertThat(max).as("maxReplicaCount of %s", stage).isGreaterThan(min);
            assertThat(spec).as("ScaledObject %s", stage).containsKeys("cooldownPeriod", "pollingInterval");

            List<Map<String, Object>> triggers = listOfMaps(spec.get("triggers"));
            assertThat(triggers).as("triggers of %s in %s", stage, overlay).isNotEmpty();
            String concurrency = env(workerContainer(worker), "HLSFLEET_CONCURRENCY").orElseThrow().getValue();
            List<String> streams = new ArrayList<>();
            for (Map<String, Object> trigger : triggers) {
                Map<String, Object> meta = map(trigger.get("metadata"));
                String authRef = String.valueOf(map(trigger.get("authenticationRef")).get("name"));
                assertThat(auths).as("TriggerAuthentication of a %s trigger", stage).contains(authRef);
                assertThat(meta.keySet()).as("no credentials inline in trigger metadata").noneMatch(k -> k.matches("(?i)password|username"));
                switch (overlay) {
                    case "rabbitmq" -> {
                        assertThat(trigger.get("type")).isEqualTo("rabbitmq");
                        // One trigger adds up the stage's queues of every priority, and only those.
                        assertThat(triggers).hasSize(1);
                        assertThat(meta).containsEntry("useRegex", "true").containsEntry("operation", "sum");
                        Pattern queues = Pattern.compile(String.valueOf(meta.get("queueName")));
                        Stage own = Stage.fromId(stage);
                        assertThat(RabbitTopology.workQueues(own)).allMatch(q -> queues.matcher(q).matches());
                        for (Stage other : Stage.values()) {
                            assertThat(RabbitTopology.deadLetterQueue(other)).doesNotMatch(queues);
                            assertThat(RabbitTopology.retryQueue(other, Priority.HIGH, Duration.ofSeconds(10)))
                                    .doesNotMatch(queues);
                            if (other != own) {
                                assertThat(RabbitTopology.workQueues(other)).noneMatch(q -> queues.matcher(q).matches());
                            }
                        }
                        assertThat(meta).containsEntry("mode", "QueueLength");
                        // Only the management API (http) reports unacknowledged messages; over AMQP a
                        // busy stage would look idle and be scaled in mid-job.
                        assertThat(meta).containsEntry("protocol", "http");
                        assertThat(String.valueOf(meta.getOrDefault("excludeUnacknowledged", "false"))).isEqualTo("false");
                    }
                    case "redis" -> {
                        // The stream holds waiting and in-hand jobs alike (settled entries are
                        // deleted), so its length counts busy workers' jobs too.
                        assertThat(trigger.get("type")).isEqualTo("redis-streams");
                        streams.add(String.valueOf(meta.get("stream")));
                        assertThat(meta).containsEntry("consumerGroup", "workers");
                        assertThat(meta).containsKeys("address", "streamLength");
                    }
                    default -> throw new AssertionError(overlay);
                }
                String target = String.valueOf(meta.getOrDefault("value", meta.get("streamLength")));
                assertThat(target).as("per-pod target of %s equals the jobs one pod takes", stage).isEqualTo(concurrency);
            }
            if (overlay.equals("redis")) {
                // A stream per priority, their lengths added up by the formula over the triggers' names.
                assertThat(streams).containsExactlyInAnyOrder("hlsfleet:" + stage + ":high", "hlsfleet:" + stage,
                        "hlsfleet:" + stage + ":low");
                Map<String, Object> modifiers = map(map(spec.get("advanced")).get("scalingModifiers"));
                assertThat(String.valueOf(modifiers.get("target"))).isEqualTo(concurrency);
                List<String> names = triggers.stream().map(t -> String.valueOf(t.get("name"))).toList();
                assertThat(String.valueOf(modifiers.get("formula")).split("\\s*\\+\\s*"))
                        .containsExactlyInAnyOrderElementsOf(names);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void workersOutliveTheirShutdownGrace(String overlay) {
        Rendered r = render(overlay);
        for (String stage : STAGES) {
            Deployment worker = r.worker(stage);
            PodSpec pod = worker.getSpec().getTemplate().getSpec();
            EnvVar grace = env(workerContainer(worker), "HLSFLEET_SHUTDOWN_GRACE")
                    .orElseThrow(() -> new AssertionError(stage + "-worker must set HLSFLEET_SHUTDOWN_GRACE explicitly"));
            assertThat(pod.getTerminationGracePeriodSeconds()).as("terminationGracePeriodSeconds of %s-worker", stage).isNotNull();
            assertThat(pod.getTerminationGracePeriodSeconds())
                    .as("%s-worker: kubelet must wait longer than HLSFLEET_SHUTDOWN_GRACE=%s", stage, grace.getValue())
                    .isGreaterThan(DeployFiles.seconds(grace.getValue()));
        }
        assertThat(r.worker("encode").getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .as("encode grace covers a multi-minute encode").isGreaterThan(300L - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void workersShareStagingAndAreProtectedAndScraped(String overlay) {
        Rendered r = render(overlay);
        for (String stage : STAGES) {
            Deployment worker = r.worker(stage);
            Container c = workerContainer(worker);
            PodTemplateSpec template = worker.getSpec().getTemplate();
            assertThat(env(c, "HLSFLEET_BROKER").map(EnvVar::getValue)).as("%s-worker broker", stage).contains(overlay);

            // Staging: a shared ReadWriteMany claim unless the staging area is in S3.
            ConfigMap config = r.named(ConfigMap.class, "hlsfleet-config").orElseThrow();
            String staging = env(c, "HLSFLEET_STAGING").map(EnvVar::getValue).orElse(config.getData().get("HLSFLEET_STAGING"));
            assertThat(staging).as("HLSFLEET_STAGING").isNotBlank();
            if (!staging.startsWith("s3://")) {
                String volumeName = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(staging))
                        .findFirst().orElseThrow(() -> new AssertionError(stage + "-worker mounts nothing at " + staging)).getName();
                Volume volume = template.getSpec().getVolumes().stream().filter(v -> v.getName().equals(volumeName)).findFirst().orElseThrow();
                assertThat(volume.getPersistentVolumeClaim()).as("staging volume of %s-worker", stage).isNotNull();
                PersistentVolumeClaim claim = r.named(PersistentVolumeClaim.class, volume.getPersistentVolumeClaim().getClaimName()).orElseThrow();
                assertThat(claim.getSpec().getAccessModes()).as("staging claim").containsExactly("ReadWriteMany");
            }

            // A PodDisruptionBudget selects the worker's pods.
            Map<String, String> podLabels = template.getMetadata().getLabels();
            assertThat(r.all(PodDisruptionBudget.class)).as("PDB for %s-worker", stage).anySatisfy(pdb ->
                    assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels()));

            // Metrics: annotations for annotation-based discovery, on the actuator's port and path.
            Map<String, String> annotations = template.getMetadata().getAnnotations();
            assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/path", "/actuator/prometheus")
                    .containsEntry("prometheus.io/port", "8080");
            assertThat(c.getPorts()).anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(8080));
            assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
            assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
            assertThat(template.getSpec().getSecurityContext().getRunAsNonRoot()).as("%s-worker runs as non-root", stage).isTrue();
        }
        // Encode gets whole cores, and ffmpeg is told how many.
        Container encode = workerContainer(r.worker("encode"));
        Quantity cpu = encode.getResources().getLimits().get("cpu");
        assertThat(env(encode, "HLSFLEET_ENCODE_THREADS").map(EnvVar::getValue)).contains(cpu.toString());
        assertThat(encode.getResources().getRequests().get("cpu")).as("encode requests its whole limit").isEqualTo(cpu);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rabbitmq", "redis"})
    void podMonitorComponentSelectsEveryWorker(String overlay, @TempDir Path dir) throws IOException {
        Path kubectl = DeployFiles.requireTool("kubectl");
        // Kustomize wants relative paths to other kustomizations.
        Path root = Files.createDirectories(dir.resolve("with-podmonitor")).toRealPath();
        Files.writeString(root.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - %s
                components:
                  - %s
                """.formatted(root.relativize(DIR.resolve("k8s/overlays/" + overlay)), root.relativize(DIR.resolve("k8s/components/podmonitor"))));
        Rendered r = parse(overlay + "+podmonitor",
                DeployFiles.runOk(root, Duration.ofMinutes(2), kubectl.toString(), "kustomize", "--load-restrictor", "LoadRestrictionsNone", "."));
        GenericKubernetesResource monitor = r.generic("PodMonitor").stream().findFirst()
                .orElseThrow(() -> new AssertionError("the component renders no PodMonitor"));
        Map<String, Object> spec = spec(monitor);
        String jobLabel = String.valueOf(spec.get("jobLabel"));
        List<Object> values = DeployFiles.list(listOfMaps(map(spec.get("selector")).get("matchExpressions")).getFirst().get("values"));
        for (String stage : STAGES) {
            Map<String, String> labels = r.worker(stage).getSpec().getTemplate().getMetadata().getLabels();
            // The alert rules expect job="<stage>-worker".
            assertThat(labels).containsEntry(jobLabel, stage + "-worker");
            assertThat(values).contains(stage + "-worker");
        }
        assertThat(listOfMaps(spec.get("podMetricsEndpoints")).getFirst())
                .containsEntry("port", "http").containsEntry("path", "/actuator/prometheus");
    }

    private static Container workerContainer(Deployment deployment) {
        List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).as("containers of %s", deployment.getMetadata().getName()).hasSize(1);
        return containers.getFirst();
    }

    private static Optional<EnvVar> env(Container c, String name) {
        return Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of()).stream().filter(e -> name.equals(e.getName())).findFirst();
    }

    private static Map<String, Object> spec(GenericKubernetesResource resource) {
        return map(resource.getAdditionalProperties().get("spec"));
    }

    private static Map<String, Object> map(Object value) {
        return DeployFiles.map(value);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> listOfMaps(Object value) {
        return (List<Map<String, Object>>) (List<?>) DeployFiles.list(value);
    }
}
