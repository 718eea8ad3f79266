package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.testing.Brokers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that loses its broker stops being ready but stays alive: the orchestrator takes it out
 * of service instead of restarting it in a loop. The worker reaches RabbitMQ through a TCP relay
 * that the test then shuts, which is what a broker outage looks like from the worker's side.
 */
class WorkerHealthIT {

    @TempDir
    Path tmp;

    @Test
    void readinessFollowsTheBrokerWhileLivenessStaysUp() throws Exception {
        try (Fleet fleet = new Fleet(FleetBroker.Kind.RABBITMQ, tmp, "WorkerHealthIT");
             Relay relay = new Relay(Brokers.rabbit().host(), Brokers.rabbit().port())) {
            WorkerProcess upload = fleet.start(Fleet.UPLOAD, Map.of(
                    "SPRING_RABBITMQ_HOST", "127.0.0.1",
                    "SPRING_RABBITMQ_PORT", Integer.toString(relay.port()),
                    "HLSFLEET_SHUTDOWN_GRACE", "2s"));
            HttpResponse<String> ready = upload.get("/actuator/health/readiness");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body()).contains("\"rabbit\"", "\"staging\"", "\"bucket\"", "\"readinessState\"",
                    "\"startupChecks\"");
            // The broker's version, read at start; before 3.12 with the node setting to raise.
            assertThat(ready.body()).containsPattern("\"version\":\"RabbitMQ [0-9]+\\.[0-9]+");
            if (ready.body().matches("(?s).*RabbitMQ 3\\.(8|9|10|11)\\..*")) {
                assertThat(ready.body()).contains("consumer_timeout");
            }
            assertThat(upload.get("/actuator/health/liveness").body()).doesNotContain("rabbit");

            relay.close();

            await("readiness of the upload worker to report RabbitMQ down").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                HttpResponse<String> notReady = upload.get("/actuator/health/readiness");
                assertThat(notReady.statusCode()).as(notReady.body()).isEqualTo(503);
                // Readiness shows details, so the broker's error may stand before its status.
                assertThat(notReady.body()).containsPattern("\"rabbit\":\\{(\"details\":\\{[^{}]*\\},)?\"status\":\"DOWN\"");
            });
            HttpResponse<String> live = upload.get("/actuator/health/liveness");
            assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
            assertThat(live.body()).contains("\"UP\"");
        }
    }

    /** Forwards TCP connections from a local port to a target; closing it cuts every connection. */
    static final class Relay implements AutoCloseable {

        private final ServerSocket server;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

        Relay(String host, int targetPort) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket target = new Socket(host, targetPort);
                        sockets.add(client);
                        sockets.add(target);
                        pipe(client, target);
                        pipe(target, client);
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void pipe(Socket from, Socket to) {
            Thread.ofVirtual().start(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException ended) {
                    // One side closed; the other follows.
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            });
        }

        private static void closeQuietly(Socket socket) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            sockets.forEach(Relay::closeQuietly);
        }
    }
}
