package io.hlsfleet.testing;

import io.hlsfleet.config.FleetConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where the integration tests find their brokers: the hosts named by {@code RABBITMQ_HOST} and
 * {@code REDIS_URL} (a {@code redis://} URL or a bare host), else the local machine with the
 * brokers' default ports and credentials.
 *
 * <p>The fleet's RabbitMQ queues have fixed names, and workers running against the same broker
 * would consume a test's messages; {@link #isolatedRabbit} gives a test a virtual host of its own.
 */
public final class Brokers {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Brokers() {
    }

    public static FleetConfig.RabbitSettings rabbit() {
        return new FleetConfig.RabbitSettings(env("RABBITMQ_HOST", "localhost"),
                Integer.parseInt(env("RABBITMQ_PORT", "5672")), env("RABBITMQ_USERNAME", "guest"),
                env("RABBITMQ_PASSWORD", "guest"), env("RABBITMQ_VHOST", "/"));
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

    /** Deletes a virtual host made by {@link #isolatedRabbit}, with every queue in it. */
    public static void deleteRabbitVhost(String virtualHost) {
        FleetConfig.RabbitSettings shared = rabbit();
        management(shared, "DELETE", managementApi(shared) + "/vhosts/"
                + URLEncoder.encode(virtualHost, StandardCharsets.UTF_8), "");
    }

    private static String managementApi(FleetConfig.RabbitSettings settings) {
        return "http://" + settings.host() + ":" + env("RABBITMQ_MANAGEMENT_PORT", "15672") + "/api";
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
        String url = env("REDIS_URL", "redis://localhost:6379");
        return url.contains("://") ? url : "redis://" + url + (url.contains(":") ? "" : ":6379");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
