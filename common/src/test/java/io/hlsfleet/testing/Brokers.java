package io.hlsfleet.testing;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.rabbit.RabbitTopology;
import io.hlsfleet.transport.rabbit.RabbitTransport;
import io.hlsfleet.transport.redis.RedisTransport;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where the integration tests find their brokers, decided once per test JVM and said in the test
 * output. Where a Docker engine answers (a contributor's laptop, most CI services), Testcontainers
 * starts RabbitMQ at the version the deployment ships (management image), Redis and MinIO, so the
 * RabbitMQ 4.x behaviour the fleet relies on is what the tests exercise. Where none answers, the
 * local services: the hosts named by {@code RABBITMQ_HOST} and {@code REDIS_URL} (a
 * {@code redis://} URL or a bare host), else the local machine with the brokers' default ports and
 * credentials. {@code HLSFLEET_TESTCONTAINERS=false} keeps the local services even with Docker.
 *
 * <p>The fleet's RabbitMQ queues have fixed names, and workers running against the same broker
 * would consume a test's messages; {@link #isolatedRabbit} gives a test a virtual host of its own.
 */
public final class Brokers {

    /** The images deploy/docker-compose.yml and the Kubernetes overlays pin. */
    public static final String RABBITMQ_IMAGE = "rabbitmq:4.1.4-management";
    public static final String REDIS_IMAGE = "redis:7.4.5-alpine";
    public static final String MINIO_IMAGE = "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z";

    private static final Logger log = LoggerFactory.getLogger(Brokers.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The brokers of this JVM.
     *
     * @param managementPort RabbitMQ's management API port
     * @param s3 MinIO's endpoint, where the tests run in containers
     */
    private record Chosen(FleetConfig.RabbitSettings rabbit, int managementPort, String redisUrl,
            Optional<S3Endpoint> s3, String description) {
    }

    /** An S3 server the tests did not start themselves, with its credentials. */
    public record S3Endpoint(URI endpoint, String accessKey, String secretKey) {
    }

    /** Chosen on first use, so a test that needs no broker starts no container. */
    private static final class Holder {
        static final Chosen CHOSEN = choose();
    }

    private Brokers() {
    }

    private static Chosen choose() {
        Chosen chosen = useContainers() ? containers() : local();
        // Printed as well as logged, so the choice is in every test's output whatever the log setup.
        System.out.println("Brokers: " + chosen.description());
        log.info("Brokers: {}", chosen.description());
        return chosen;
    }

    private static boolean useContainers() {
        if ("false".equalsIgnoreCase(env("HLSFLEET_TESTCONTAINERS", "true"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError noDocker) {
            return false;
        }
    }

    /** Containers that live as long as the test JVM (Testcontainers' reaper removes them after it). */
    @SuppressWarnings("resource")
    private static Chosen containers() {
        RabbitMQContainer rabbit = new RabbitMQContainer(RABBITMQ_IMAGE);
        GenericContainer<?> redis = new GenericContainer<>(REDIS_IMAGE).withExposedPorts(6379);
        MinIOContainer minio = new MinIOContainer(MINIO_IMAGE);
        rabbit.start();
        redis.start();
        minio.start();
        FleetConfig.RabbitSettings settings = new FleetConfig.RabbitSettings(rabbit.getHost(), rabbit.getAmqpPort(),
                rabbit.getAdminUsername(), rabbit.getAdminPassword(), "/");
        String redisUrl = "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
        S3Endpoint s3 = new S3Endpoint(URI.create(minio.getS3URL()), minio.getUserName(), minio.getPassword());
        return new Chosen(settings, rabbit.getHttpPort(), redisUrl, Optional.of(s3),
                "a Docker engine answered: Testcontainers runs " + RABBITMQ_IMAGE + " at " + settings.host() + ":"
                        + settings.port() + ", " + REDIS_IMAGE + " at " + redisUrl + " and " + MINIO_IMAGE + " at "
                        + minio.getS3URL());
    }

    private static Chosen local() {
        FleetConfig.RabbitSettings rabbit = new FleetConfig.RabbitSettings(env("RABBITMQ_HOST", "localhost"),
                Integer.parseInt(env("RABBITMQ_PORT", "5672")), env("RABBITMQ_USERNAME", "guest"),
                env("RABBITMQ_PASSWORD", "guest"), env("RABBITMQ_VHOST", "/"));
        int management = Integer.parseInt(env("RABBITMQ_MANAGEMENT_PORT", "15672"));
        String url = env("REDIS_URL", "redis://localhost:6379");
        String redisUrl = url.contains("://") ? url : "redis://" + url + (url.contains(":") ? "" : ":6379");
        return new Chosen(rabbit, management, redisUrl, Optional.empty(),
                "no Docker engine answered: the local services, RabbitMQ at " + rabbit.host() + ":" + rabbit.port()
                        + " (management port " + management + ") and Redis at " + redisUrl);
    }

    /** What this JVM's tests run against, as the test output says it. */
    public static String choice() {
        return Holder.CHOSEN.description();
    }

    public static FleetConfig.RabbitSettings rabbit() {
        return Holder.CHOSEN.rabbit();
    }

    /** The base URL of RabbitMQ's management API, such as {@code http://localhost:15672}. */
    public static String rabbitManagementUrl() {
        return "http://" + rabbit().host() + ":" + Holder.CHOSEN.managementPort();
    }

    /** MinIO's S3 endpoint where the tests run in containers; empty with the local services. */
    public static Optional<S3Endpoint> s3() {
        return Holder.CHOSEN.s3();
    }

    /**
     * RabbitMQ settings for {@code virtualHost}, created with full permissions for the test user
     * through the management API ({@code RABBITMQ_MANAGEMENT_PORT}, default 15672) if missing.
     */
    public static FleetConfig.RabbitSettings isolatedRabbit(String virtualHost) {
        FleetConfig.RabbitSettings shared = rabbit();
        String base = managementApi(shared);
        String vhost = URLEncoder.encode(virtualHost, StandardCharsets.UTF_8);
        String user = URLEncoder.encode(shared.username(), StandardCharsets.UTF_8);
        management(shared, "PUT", base + "/vhosts/" + vhost, "{}");
        management(shared, "PUT", base + "/permissions/" + vhost + "/" + user,
                "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        return new FleetConfig.RabbitSettings(shared.host(), shared.port(), shared.username(), shared.password(),
                virtualHost);
    }

    /**
     * A transport on {@code broker} ({@code rabbitmq} or {@code redis}) that sees only one test's
     * queues: RabbitMQ in {@code virtualHost} (made by {@link #isolatedRabbit}; the test deletes it),
     * Redis under a key prefix of its own. Retries wait 1 s; Redis gives a silent consumer's
     * deliveries to another after {@code redisClaimAfter}.
     */
    public static Transport isolatedTransport(String broker, String virtualHost, Duration redisClaimAfter) {
        return switch (broker) {
            case "rabbitmq" -> new RabbitTransport(RabbitTransport.connectionFactory(isolatedRabbit(virtualHost)), true,
                    new RabbitTopology(List.of(Duration.ofSeconds(1)), Duration.ofHours(1)));
            case "redis" -> new RedisTransport(new RedisTransport.Settings(redisUrl(),
                    "hlsfleet-test-" + UUID.randomUUID().toString().substring(0, 8), redisClaimAfter,
                    Duration.ofMillis(200)));
            default -> throw new IllegalArgumentException("no such broker: " + broker);
        };
    }

    /** Deletes a virtual host made by {@link #isolatedRabbit}, with every queue in it. */
    public static void deleteRabbitVhost(String virtualHost) {
        FleetConfig.RabbitSettings shared = rabbit();
        management(shared, "DELETE", managementApi(shared) + "/vhosts/"
                + URLEncoder.encode(virtualHost, StandardCharsets.UTF_8), "");
    }

    private static String managementApi(FleetConfig.RabbitSettings settings) {
        return rabbitManagementUrl() + "/api";
    }

    /** Closes every client connection to {@code virtualHost}, a test's own, as a network cut would. */
    public static void closeRabbitConnections(String virtualHost) {
        FleetConfig.RabbitSettings shared = rabbit();
        String base = managementApi(shared);
        String connections = management(shared, "GET", base + "/vhosts/" + encode(virtualHost) + "/connections", "");
        for (JsonNode connection : JSON.readTree(connections)) {
            management(shared, "DELETE", base + "/connections/" + encode(connection.path("name").asString()), "");
        }
    }

    /**
     * Applies a policy to the queues of {@code virtualHost} matching {@code queuePattern}, and
     * waits until {@code queue} carries it.
     */
    public static void setRabbitPolicy(String virtualHost, String name, String queuePattern, String definitionJson,
            String queue) {
        FleetConfig.RabbitSettings shared = rabbit();
        String base = managementApi(shared);
        management(shared, "PUT", base + "/policies/" + encode(virtualHost) + "/" + encode(name),
                "{\"pattern\":\"" + queuePattern + "\",\"definition\":" + definitionJson
                        + ",\"apply-to\":\"queues\",\"priority\":100}");
        String queueUrl = base + "/queues/" + encode(virtualHost) + "/" + encode(queue);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!name.equals(JSON.readTree(management(shared, "GET", queueUrl, "")).path("policy").asString(""))) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("policy " + name + " not applied to " + queue);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a policy", e);
            }
        }
    }

    public static void deleteRabbitPolicy(String virtualHost, String name) {
        FleetConfig.RabbitSettings shared = rabbit();
        management(shared, "DELETE", managementApi(shared) + "/policies/" + encode(virtualHost) + "/" + encode(name), "");
    }

    private static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String management(FleetConfig.RabbitSettings settings, String method, String url, String json) {
        String credentials = Base64.getEncoder().encodeToString(
                (settings.username() + ":" + settings.password()).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + credentials)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json))
                .build();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException("RabbitMQ management API refused " + method + " " + url + ": "
                        + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("RabbitMQ management API unreachable at " + url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling the RabbitMQ management API", e);
        }
    }

    public static String redisUrl() {
        return Holder.CHOSEN.redisUrl();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
