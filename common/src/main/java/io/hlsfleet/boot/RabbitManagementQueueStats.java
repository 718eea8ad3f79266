package io.hlsfleet.boot;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.QueueStats;
import io.hlsfleet.transport.TransportException;
import io.hlsfleet.transport.rabbit.RabbitTopology;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Queue statistics from RabbitMQ's management API: one request per poll for the whole virtual
 * host. AMQP alone tells only the ready count; the management API also has the messages held by
 * consumers (unacked) and the dead-letter queues' sizes, the same figures the autoscaler reads.
 *
 * <p>It cannot tell the age of the head message: quorum queues do not report a head timestamp and
 * peeking would count as a delivery. {@link QueueMetrics} estimates the age instead.
 */
final class RabbitManagementQueueStats implements QueueStats {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final URI queuesUri;
    private final String authorization;

    RabbitManagementQueueStats(String managementUrl, FleetConfig.RabbitSettings rabbit) {
        String base = managementUrl.endsWith("/") ? managementUrl : managementUrl + "/";
        this.queuesUri = URI.create(base + "api/queues/"
                + URLEncoder.encode(rabbit.virtualHost(), StandardCharsets.UTF_8).replace("+", "%20")
                + "?columns=name,messages_ready,messages_unacknowledged,messages");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (rabbit.username() + ":" + rabbit.password()).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code HLSFLEET_RABBITMQ_MANAGEMENT_URL}, by default port 15672 on the AMQP host. */
    static String defaultUrl(FleetConfig.RabbitSettings rabbit) {
        return "http://" + rabbit.host() + ":15672";
    }

    @Override
    public Map<Stage, Snapshot> snapshot() {
        Map<String, JsonNode> queues = new HashMap<>();
        for (JsonNode queue : fetch()) {
            queues.put(queue.path("name").asString(), queue);
        }
        Map<Stage, Snapshot> result = new EnumMap<>(Stage.class);
        for (Stage stage : Stage.values()) {
            // A stage's work is in its queues of every priority.
            List<JsonNode> work = RabbitTopology.workQueues(stage).stream().map(queues::get).toList();
            JsonNode dead = queues.get(RabbitTopology.deadLetterQueue(stage));
            result.put(stage, new Snapshot(
                    work.stream().mapToLong(queue -> count(queue, "messages_ready")).sum(),
                    work.stream().mapToLong(queue -> count(queue, "messages_unacknowledged")).sum(),
                    dead == null ? UNKNOWN : count(dead, "messages"),
                    null));
        }
        return result;
    }

    /** Queues not declared yet hold nothing; a field missing from a fresh queue's stats is zero. */
    private static long count(JsonNode queue, String field) {
        return queue == null ? 0 : queue.path(field).asLong(0);
    }

    private JsonNode fetch() {
        HttpRequest request = HttpRequest.newBuilder(queuesUri).timeout(Duration.ofSeconds(5))
                .header("Authorization", authorization).GET().build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new TransportException("RabbitMQ management API answered HTTP " + response.statusCode()
                        + " for " + queuesUri.getPath());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new TransportException("RabbitMQ management API unreachable at " + queuesUri.getHost()
                    + ":" + queuesUri.getPort(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while asking RabbitMQ for queue statistics", e);
        }
    }
}
