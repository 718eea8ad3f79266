package io.hlsfleet.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.hlsfleet.config.WebhookProperties;
import io.hlsfleet.events.InProcessEventBus;
import io.hlsfleet.events.JobEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sender against a real HTTP receiver, fed by an in-process event bus. */
class WebhookSenderTest {

    private final AtomicInteger failFirst = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> signatures = new CopyOnWriteArrayList<>();
    private final InProcessEventBus bus = new InProcessEventBus();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private HttpServer receiver;

    @BeforeEach
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            int request = requests.incrementAndGet();
            signatures.add(exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER));
            exchange.sendResponseHeaders(request <= failFirst.get() ? 500 : 200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    private WebhookSender sender(int attempts) {
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
        return new WebhookSender(new WebhookProperties(url, "secret", attempts, Duration.ofMillis(50),
                Duration.ofMillis(100), Duration.ofSeconds(5), List.of(), 2), bus, registry).start();
    }

    private static JobEvent dead(String jobId, String callbackUrl) {
        return new JobEvent(JobEvent.VERSION, JobEvent.Type.DEAD, "download", jobId, "v", "https://o.example/v.mp4", 1,
                Instant.now(), Instant.now(), "HTTP 404", null, null, null, null, null, null, callbackUrl, null, null);
    }

    private double deliveries(String outcome) {
        var counter = registry.find("hlsfleet.webhook.deliveries").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aDeliveryIsTriedAgainUntilTheReceiverTakesIt() {
        failFirst.set(2);
        try (WebhookSender sender = sender(5)) {
            await().atMost(Duration.ofSeconds(10)).until(sender::subscribed);
            bus.publish(dead("job-1", null));
            await().atMost(Duration.ofSeconds(10)).until(() -> deliveries("delivered") == 1);
        }
        assertThat(requests).hasValue(3);
        assertThat(signatures).allSatisfy(signature -> assertThat(signature).startsWith("sha256="));
    }

    @Test
    void aDeliveryStillFailingAfterItsTriesIsGivenUpAsAnUndeliveredEvent() {
        failFirst.set(100);
        List<JobEvent> undelivered = new CopyOnWriteArrayList<>();
        try (var feed = bus.follow("undelivered.*", undelivered::add); WebhookSender sender = sender(3)) {
            await().atMost(Duration.ofSeconds(10)).until(sender::subscribed);
            bus.publish(dead("job-2", null));
            await().atMost(Duration.ofSeconds(10)).until(() -> !undelivered.isEmpty());
        }
        assertThat(requests).hasValue(3);
        assertThat(deliveries("undelivered")).isEqualTo(1);
        assertThat(undelivered).singleElement().satisfies(event -> {
            assertThat(event.jobId()).isEqualTo("job-2");
            assertThat(event.routingKey()).isEqualTo("undelivered.webhook");
            assertThat(event.detail()).isEqualTo("dead");
            assertThat(event.reason()).contains("not delivered after 3 tries", "HTTP 500");
        });
    }

    @Test
    void aCallbackUrlTheGuardRefusesIsNeverConnectedTo() {
        List<JobEvent> undelivered = new CopyOnWriteArrayList<>();
        try (var feed = bus.follow("undelivered.*", undelivered::add); WebhookSender sender = sender(3)) {
            await().atMost(Duration.ofSeconds(10)).until(sender::subscribed);
            // Loopback is this test's own receiver: the guard refuses it without HLSFLEET_WEBHOOK_ALLOWED_NETWORKS.
            bus.publish(dead("job-3", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/callback"));
            await().atMost(Duration.ofSeconds(10)).until(() -> !undelivered.isEmpty());
        }
        assertThat(requests).hasValue(0);
        assertThat(undelivered.getFirst().reason()).contains("after 1 try", "loopback",
                "HLSFLEET_WEBHOOK_ALLOWED_NETWORKS=127.0.0.1/32");
    }

    @Test
    void aGivenUpDeliveryIsKeptAndAReplayDeliversItAndRemovesIt() {
        failFirst.set(3);
        InMemoryUndeliveredWebhooks kept = new InMemoryUndeliveredWebhooks();
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
        try (WebhookSender sender = new WebhookSender(new WebhookProperties(url, "secret", 2, Duration.ofMillis(50),
                Duration.ofMillis(100), Duration.ofSeconds(5), List.of(), 2), bus, kept, registry).start()) {
            await().atMost(Duration.ofSeconds(10)).until(sender::subscribed);
            bus.publish(dead("job-4", null));
            await().atMost(Duration.ofSeconds(10)).until(() -> !kept.list(10).isEmpty());
            assertThat(kept.list(10)).singleElement().satisfies(webhook -> {
                assertThat(webhook.id()).isEqualTo("job-4.dead");
                assertThat(webhook.target()).isEqualTo(url);
                assertThat(webhook.reason()).isEqualTo("HTTP 500");
                assertThat(webhook.tries()).isEqualTo(2);
                assertThat(webhook.event().jobId()).isEqualTo("job-4");
            });

            // The third request still fails: the replay keeps the webhook with one more try.
            assertThat(sender.replay(webhook -> true)).singleElement()
                    .satisfies(replayed -> assertThat(replayed.failure()).isEqualTo("HTTP 500"));
            assertThat(kept.list(10)).singleElement().satisfies(webhook -> assertThat(webhook.tries()).isEqualTo(3));

            assertThat(sender.replay(webhook -> true)).singleElement()
                    .satisfies(replayed -> assertThat(replayed.failure()).isNull());
            assertThat(kept.list(10)).isEmpty();
        }
        assertThat(requests).hasValue(4);
        assertThat(signatures).allSatisfy(signature -> assertThat(signature).startsWith("sha256="));
    }

    @Test
    void aDeliveryThatCannotBeKeptIsHandedOutAgainNotDropped() {
        failFirst.set(100);
        AtomicInteger keepAttempts = new AtomicInteger();
        UndeliveredWebhooks refusing = new InMemoryUndeliveredWebhooks() {
            @Override
            public synchronized void keep(UndeliveredWebhook webhook) {
                keepAttempts.incrementAndGet();
                throw new IllegalStateException("the broker refused it");
            }
        };
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
        try (WebhookSender sender = new WebhookSender(new WebhookProperties(url, "secret", 1, Duration.ofMillis(50),
                Duration.ofMillis(100), Duration.ofSeconds(5), List.of(), 1), bus, refusing, registry).start()) {
            await().atMost(Duration.ofSeconds(10)).until(sender::subscribed);
            bus.publish(dead("job-5", null));
            await().atMost(Duration.ofSeconds(10)).until(() -> keepAttempts.get() >= 2);
        }
        assertThat(deliveries("undelivered")).as("not counted as given up while it is not kept").isZero();
    }
}
