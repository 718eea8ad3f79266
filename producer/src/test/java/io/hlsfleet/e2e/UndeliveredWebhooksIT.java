package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import io.hlsfleet.webhook.UndeliveredWebhook;
import io.hlsfleet.webhook.UndeliveredWebhooks;
import io.hlsfleet.webhook.WebhookSender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Webhooks the sender gives up are kept on the broker and replayed with {@code hlsfleet webhooks},
 * on each transport: a receiver started by the test is down for every try of two deliveries (one
 * to the fleet's URL, one to a job's callback URL); {@code webhooks list}, in a process of its
 * own, shows both with their reason; once the receiver is up, {@code webhooks replay} delivers
 * the first with a valid fresh signature, while the callback to a loopback address stays refused by
 * the SSRF guard until the replaying command's settings allow that network, and then the list is
 * empty.
 */
class UndeliveredWebhooksIT {

    private static final String SECRET = "undelivered webhooks test secret";

    @TempDir
    Path tmp;

    /** One request as the receiver saw it. */
    record Received(String path, String timestamp, String signature, byte[] body) {
    }

    @ParameterizedTest
    @EnumSource(FleetBroker.Kind.class)
    void givenUpWebhooksAreListedAndReplayedOnceTheReceiverIsBack(FleetBroker.Kind kind) throws Exception {
        AtomicBoolean up = new AtomicBoolean(false);
        AtomicInteger refusedTries = new AtomicInteger();
        List<Received> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (up.get()) {
                received.add(new Received(exchange.getRequestURI().getPath(),
                        exchange.getRequestHeaders().getFirst("X-Hlsfleet-Timestamp"),
                        exchange.getRequestHeaders().getFirst("X-Hlsfleet-Signature"), body));
                exchange.sendResponseHeaders(204, -1);
            } else {
                refusedTries.incrementAndGet();
                exchange.sendResponseHeaders(503, -1);
            }
            exchange.close();
        });
        receiver.start();
        String hooks = "http://127.0.0.1:" + receiver.getAddress().getPort();
        try (FleetBroker broker = kind.open(tmp)) {
            Map<String, String> cli = new HashMap<>(broker.env());
            cli.put("HLSFLEET_WEBHOOK_URL", hooks + "/hooks");
            cli.put("HLSFLEET_WEBHOOK_SECRET", SECRET);
            Map<String, String> worker = new HashMap<>(cli);
            worker.put("HLSFLEET_WEBHOOK_ATTEMPTS", "2");
            worker.put("HLSFLEET_WEBHOOK_BACKOFF", "100ms");
            worker.put("HLSFLEET_WEBHOOK_MAX_BACKOFF", "200ms");
            worker.put("HLSFLEET_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8");
            Settings settings = Settings.of(worker);

            try (Transport transport = Transports.connect(FleetConfig.from(settings));
                 WebhookSender sender = WebhookSender.from(settings, transport.events(), new SimpleMeterRegistry())
                         .orElseThrow().start()) {
                await("the sender subscribed").atMost(Duration.ofSeconds(30)).until(sender::subscribed);
                UndeliveredWebhooks kept = transport.events().undeliveredWebhooks();
                transport.events().publish(dead("job-operator", null));
                transport.events().publish(dead("job-callback", hooks + "/callback"));
                await("both deliveries given up").atMost(Duration.ofSeconds(60))
                        .until(() -> kept.list(10).size() == 2);
                assertThat(refusedTries).as("every try reached the receiver").hasValue(4);

                Processes.Result listed = Cli.run(cli, List.of("webhooks", "list")).orThrow();
                assertThat(listed.out()).contains("job-operator.dead", "job-callback.dead", "tries=2",
                        "reason: HTTP 503", "target: " + hooks + "/hooks", "target: " + hooks + "/callback",
                        "2 undelivered webhooks");
                assertThat(kept.list(10)).as("listing removes nothing").hasSize(2);

                up.set(true);
                Processes.Result replayed = Cli.run(cli, List.of("webhooks", "replay"));
                assertThat(replayed.exitCode()).as("a webhook is still undelivered: " + replayed.out()).isEqualTo(1);
                assertThat(replayed.out()).contains("job-operator.dead  delivered",
                        "job-callback.dead  not delivered: refused:", "delivered 1 of 2 webhooks");
                assertThat(received).extracting(Received::path).containsExactly("/hooks");
                assertThat(kept.list(10)).singleElement().satisfies(left -> {
                    assertThat(left.id()).isEqualTo("job-callback.dead");
                    assertThat(left.reason()).contains("refused", "127.0.0.1");
                    assertThat(left.tries()).isEqualTo(3);
                });

                Map<String, String> allowing = new HashMap<>(cli);
                allowing.put("HLSFLEET_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8");
                Processes.Result second = Cli.run(allowing, List.of("webhooks", "replay", "job-callback.dead")).orThrow();
                assertThat(second.out()).contains("job-callback.dead  delivered", "delivered 1 of 1 webhook");
                assertThat(received).extracting(Received::path).containsExactly("/hooks", "/callback");
                for (Received delivery : received) {
                    assertThat(validSignature(delivery)).as("signature of the replay to %s", delivery.path()).isTrue();
                    assertThat(JobCodec.fromJson(new String(delivery.body(), StandardCharsets.UTF_8), JobEvent.class)
                            .type()).isEqualTo(JobEvent.Type.DEAD);
                }
                assertThat(Cli.run(cli, List.of("webhooks", "list")).orThrow().out())
                        .contains("0 undelivered webhooks");
                assertThat(kept.list(10)).extracting(UndeliveredWebhook::id).isEmpty();
            }
        } finally {
            receiver.stop(0);
        }
    }

    private static JobEvent dead(String jobId, String callbackUrl) {
        return new JobEvent(JobEvent.VERSION, JobEvent.Type.DEAD, "download", jobId, "video", "https://o.example/v.mp4",
                1, Instant.now(), Instant.now(), "the origin answered HTTP 404", null, null, null, null, null, null,
                callbackUrl, null, null);
    }

    private static boolean validSignature(Received delivery) throws Exception {
        return WebhookSignature.valid(SECRET, delivery.timestamp(), delivery.signature(), delivery.body());
    }
}
