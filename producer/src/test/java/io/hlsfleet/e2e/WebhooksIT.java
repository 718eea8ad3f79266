package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Stage;
import io.hlsfleet.testing.SyntheticClip;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Webhooks and per-job options as a site meets them, on each transport: a receiver started by the
 * test, down (503) for the first two tries of every delivery, gets the good job's
 * {@code published} event and the poison job's {@code dead} event with valid signatures; a job's
 * {@code callbackUrl} takes the place of the fleet's URL; a job's {@code container} option is
 * honoured; an unknown option and a callback URL to the cloud metadata address are refused at the
 * intake, each job ending dead with its reason.
 */
class WebhooksIT {

    private static final String SECRET = "webhooks test secret";

    @TempDir
    Path tmp;

    /** One delivery as the receiver saw it. */
    record Received(String path, String timestamp, String signature, byte[] body, JobEvent event) {
    }

    @ParameterizedTest
    @EnumSource(FleetBroker.Kind.class)
    void aReceiverDownForTwoTriesGetsPublishedAndDeadWithValidSignatures(FleetBroker.Kind kind) throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String delivery = exchange.getRequestHeaders().getFirst("X-Hlsfleet-Delivery");
            int tried = tries.computeIfAbsent(delivery, d -> new AtomicInteger()).incrementAndGet();
            if (tried <= 2) {
                exchange.sendResponseHeaders(503, -1);
            } else {
                received.add(new Received(exchange.getRequestURI().getPath(),
                        exchange.getRequestHeaders().getFirst("X-Hlsfleet-Timestamp"),
                        exchange.getRequestHeaders().getFirst("X-Hlsfleet-Signature"), body,
                        JobCodec.fromJson(new String(body, StandardCharsets.UTF_8), JobEvent.class)));
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        receiver.start();
        String hooks = "http://127.0.0.1:" + receiver.getAddress().getPort();
        try (Fleet fleet = new Fleet(kind, tmp, "WebhooksIT")) {
            fleet.set("HLSFLEET_WEBHOOK_URL", hooks + "/hooks")
                    .set("HLSFLEET_WEBHOOK_SECRET", SECRET)
                    .set("HLSFLEET_WEBHOOK_BACKOFF", "200ms")
                    .set("HLSFLEET_WEBHOOK_MAX_BACKOFF", "1s")
                    .set("HLSFLEET_INTAKE_ALLOWED_OPTIONS", "container,callbackUrl,metadata")
                    // The receiver listens on loopback, which callback URLs may not reach unless allowed.
                    .set("HLSFLEET_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8");
            SyntheticClip.generate(fleet.clips(), "good.mp4", 1280, 720, 4);
            fleet.startAll();
            List<JobEvent> dead = new CopyOnWriteArrayList<>();
            try (EventBus.Feed feed = fleet.transport().events().follow("dead.*", dead::add)) {
                String good = fleet.cli("submit", "--option", "container=fmp4", "--option", "metadata.siteId=42",
                        fleet.origin().url("good.mp4")).strip();
                String poison = fleet.cli("submit", "--option", "callbackUrl=" + hooks + "/callback",
                        fleet.origin().url("missing.mp4")).strip();
                fleet.transport().publishRaw(Stage.DOWNLOAD, ("{\"sourceUrl\": \"" + fleet.origin().url("good.mp4")
                        + "\", \"options\": {\"colour\": \"red\"}}").getBytes(StandardCharsets.UTF_8));
                fleet.transport().publishRaw(Stage.DOWNLOAD, ("{\"sourceUrl\": \"" + fleet.origin().url("good.mp4")
                        + "\", \"options\": {\"callbackUrl\": \"http://169.254.169.254/latest/meta-data\"}}")
                        .getBytes(StandardCharsets.UTF_8));

                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).until(() ->
                        received.stream().anyMatch(r -> r.event().jobId().equals(good))
                                && received.stream().anyMatch(r -> r.event().jobId().equals(poison))
                                && dead.size() >= 3);

                Received published = only(received, good);
                assertThat(published.path()).isEqualTo("/hooks");
                assertThat(published.event().type()).isEqualTo(JobEvent.Type.PUBLISHED);
                assertThat(published.event().metadata()).containsEntry("siteId", "42");
                assertThat(published.event().published().masterUrl()).endsWith("/master.m3u8");
                Received poisoned = only(received, poison);
                assertThat(poisoned.path()).as("the job's callbackUrl, not the fleet's URL").isEqualTo("/callback");
                assertThat(poisoned.event().type()).isEqualTo(JobEvent.Type.DEAD);
                assertThat(poisoned.event().reason()).contains("404");
                for (Received delivery : List.of(published, poisoned)) {
                    assertThat(validSignature(delivery)).as("signature of %s", delivery.event().routingKey()).isTrue();
                    assertThat(tries.get(delivery.event().jobId() + "." + delivery.event().type().id()))
                            .as("tries of %s", delivery.event().routingKey()).hasValue(3);
                }

                // The container option is honoured: the good job's ladder is in fragmented MP4.
                Path ladder = fleet.bucket().resolve(published.event().videoId());
                try (Stream<Path> files = Files.walk(ladder)) {
                    List<String> names = files.map(path -> path.getFileName().toString()).toList();
                    assertThat(names).anyMatch(name -> name.endsWith(".m4s")).noneMatch(name -> name.endsWith(".ts"));
                }

                List<String> reasons = dead.stream().map(JobEvent::reason).toList();
                assertThat(reasons).anySatisfy(reason -> assertThat(reason)
                        .contains("refused at intake: unknown option 'colour'"));
                assertThat(reasons).anySatisfy(reason -> assertThat(reason)
                        .contains("refused at intake: option callbackUrl refused", "169.254.169.254", "link-local"));
                assertThat(fleet.transport().deadLetters(Stage.DOWNLOAD, 10)).hasSize(3);
            }
        } finally {
            receiver.stop(0);
        }
    }

    private static boolean validSignature(Received delivery) throws Exception {
        return WebhookSignature.valid(SECRET, delivery.timestamp(), delivery.signature(), delivery.body());
    }

    private static Received only(List<Received> received, String jobId) {
        List<Received> matching = received.stream().filter(r -> r.event().jobId().equals(jobId)).toList();
        assertThat(matching).as("deliveries of job %s", jobId).hasSize(1);
        return matching.getFirst();
    }
}
