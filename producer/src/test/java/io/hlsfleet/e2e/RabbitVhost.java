package io.hlsfleet.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A RabbitMQ virtual host of its own for one test, created and deleted through the management API,
 * so that no other consumer of the same broker can take the test's messages.
 */
final class RabbitVhost implements AutoCloseable {

    private final String name = "hlsfleet-it-" + UUID.randomUUID().toString().substring(0, 8);
    private final String api;
    private final HttpClient client = HttpClient.newHttpClient();

    RabbitVhost(String host) throws IOException, InterruptedException {
        this.api = "http://" + host + ":15672/api/";
        send("PUT", "vhosts/" + name, "");
        send("PUT", "permissions/" + name + "/guest", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
    }

    String name() {
        return name;
    }

    /**
     * The environment of a test fleet on this vhost, with staging and bucket under {@code dir}:
     * downloads from the loopback test origin allowed, the fastest x264 preset (these tests check
     * the pipeline, not picture quality) and 1 s retries.
     */
    Map<String, String> fleetEnvironment(String host, Path dir) {
        Map<String, String> env = new HashMap<>();
        env.put("HLSFLEET_BROKER", "rabbitmq");
        env.put("SPRING_RABBITMQ_HOST", host);
        env.put("SPRING_RABBITMQ_VIRTUAL_HOST", name);
        env.put("HLSFLEET_STAGING", dir.resolve("staging").toString());
        env.put("HLSFLEET_BUCKET", dir.resolve("bucket").toUri().toString());
        env.put("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.0/8");
        env.put("HLSFLEET_ENCODE_PRESET", "ultrafast");
        env.put("HLSFLEET_RETRY_DELAYS", "1s");
        return env;
    }

    private void send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "guest:guest".getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .build();
        int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status >= 300) {
            throw new IOException(method + " " + path + " answered HTTP " + status
                    + "; the tests need RabbitMQ's management plugin (rabbitmq-plugins enable rabbitmq_management)");
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        send("DELETE", "vhosts/" + name, "");
    }
}
