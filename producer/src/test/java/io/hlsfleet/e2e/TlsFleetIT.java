package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.e2e.FleetChecker.Allowed;
import io.hlsfleet.e2e.FleetChecker.Counts;
import io.hlsfleet.e2e.FleetChecker.Expectation;
import io.hlsfleet.testing.PrivateRabbitNode;
import io.hlsfleet.testing.Processes;
import io.hlsfleet.testing.RedisServer;
import io.hlsfleet.testing.SyntheticClip;
import io.hlsfleet.testing.TlsCertificates;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A fleet whose broker and status store are reached over TLS only, as managed RabbitMQ and Redis
 * services are: the brokers use a certificate of a test CA, the workers and the CLI trust that CA
 * through the JVM's trust store, and Redis admits only an ACL user. A CLI that does not trust the
 * CA is refused, so the connections really are checked.
 */
class TlsFleetIT {

    private static final String USER = "fleet";
    private static final String PASSWORD = "s3cret-for-tls";

    @TempDir
    static Path certificatesDir;

    @TempDir
    Path tmp;

    private static TlsCertificates certificates;

    /**
     * The test's own checks read the queues and dead letters in this JVM, which must trust the
     * test CA as the workers do; the broker clients read the trust store when they are made.
     */
    @BeforeAll
    static void trustTheTestCa() throws Exception {
        certificates = TlsCertificates.create(certificatesDir);
        System.setProperty("javax.net.ssl.trustStore", certificates.trustStore().toString());
        System.setProperty("javax.net.ssl.trustStorePassword", TlsCertificates.TRUST_STORE_PASSWORD);
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }

    @AfterAll
    static void trustTheJdkCasAgain() {
        System.clearProperty("javax.net.ssl.trustStore");
        System.clearProperty("javax.net.ssl.trustStorePassword");
        System.clearProperty("javax.net.ssl.trustStoreType");
    }

    @ParameterizedTest
    @EnumSource(FleetBroker.Kind.class)
    void aFleetPublishesOverTls(FleetBroker.Kind kind) throws Exception {
        try (Fleet fleet = Fleet.on(TlsBroker.open(kind, certificates, tmp), tmp, "TlsFleetIT")) {
            Path clip = SyntheticClip.generate(fleet.clips(), "tls.mp4", 640, 360, 2);
            String url = fleet.origin().url("tls.mp4");

            Map<String, String> untrusting = new HashMap<>(fleet.env());
            untrusting.remove("JAVA_TOOL_OPTIONS");
            Processes.Result refused = Cli.run(untrusting, List.of("submit", url));
            assertThat(refused.exitCode()).as("a CLI that does not trust the brokers' CA: %s", refused.err())
                    .isNotZero();
            assertThat(refused.err()).as("why the CLI was refused").containsPattern("(?i)certificat|PKIX");

            fleet.startAll();
            fleet.submit(List.of(url));
            Counts counts = FleetChecker.awaitAndCheck(fleet, List.of(Expectation.published(url, clip, List.of(360))),
                    List.of(), Allowed.NOTHING, Duration.ofMinutes(4));
            assertThat(counts.published()).isEqualTo(1);
            assertThat(counts.duplicated()).isZero();
        }
    }

    /** A broker that serves its clients over TLS only, and a Redis status store that does too. */
    private static final class TlsBroker implements FleetBroker {

        private final Kind kind;
        private final Map<String, String> env;
        private final List<AutoCloseable> servers;

        private TlsBroker(Kind kind, Map<String, String> env, List<AutoCloseable> servers) {
            this.kind = kind;
            this.env = Map.copyOf(env);
            this.servers = servers;
        }

        @Override
        public Kind kind() {
            return kind;
        }

        static TlsBroker open(Kind kind, TlsCertificates certificates, Path dir) throws IOException, InterruptedException {
            RedisServer redis = RedisServer.withTls(dir.resolve("redis-tls"), certificates, USER, PASSWORD);
            Map<String, String> env = new HashMap<>();
            env.put("HLSFLEET_REDIS_URL", redis.tlsUrl(USER, PASSWORD));
            env.put("JAVA_TOOL_OPTIONS", certificates.trustStoreOptions());
            if (kind == Kind.REDIS) {
                env.put("HLSFLEET_BROKER", "redis");
                return new TlsBroker(kind, env, List.of(redis));
            }
            int tlsPort = PrivateRabbitNode.freePort();
            PrivateRabbitNode node = PrivateRabbitNode.in(dir.resolve("rabbitmq-tls")).config(
                    "listeners.ssl.default = 127.0.0.1:" + tlsPort,
                    "ssl_options.cacertfile = " + certificates.caCertificate(),
                    "ssl_options.certfile = " + certificates.serverCertificate(),
                    "ssl_options.keyfile = " + certificates.serverKey(),
                    "ssl_options.verify = verify_none",
                    "ssl_options.fail_if_no_peer_cert = false").start();
            env.putAll(node.fleetEnvironment());
            // The clients use the TLS listener only, by the name its certificate carries.
            env.put("SPRING_RABBITMQ_HOST", "localhost");
            env.put("SPRING_RABBITMQ_PORT", Integer.toString(tlsPort));
            env.put("SPRING_RABBITMQ_SSL_ENABLED", "true");
            return new TlsBroker(kind, env, List.of(node, redis));
        }

        @Override
        public Map<String, String> env() {
            return env;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            for (AutoCloseable server : servers) {
                try {
                    server.close();
                } catch (IOException | InterruptedException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }
    }
}
