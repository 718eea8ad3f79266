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

/**
 * Where the integration tests find their brokers: the hosts named by {@code RABBITMQ_HOST} and
 * {@code REDIS_URL} (a {@code redis://} URL or a bare host), else the local machine with the
 * brokers' default ports and credentials.
 *
 * <p>The fleet's RabbitMQ queues have fixed names, and workers running against the same broker
 * would consume a test's messages; {@link #isolatedRabbit} gives a test a virtual host of its own.
 */
public final class Brokers {

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

    private static void management(FleetConfig.RabbitSettings settings, String method, String url, String json) {
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
