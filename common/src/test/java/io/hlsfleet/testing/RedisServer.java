package io.hlsfleet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A {@code redis-server} of the test's own on a free loopback port, so that tests neither see nor
 * disturb other users of a shared Redis, and can crash and restart it at will. Its append-only
 * file is synced on every write ({@code appendfsync always}): everything Redis acknowledged is
 * there again after {@link #crashAndRestart}.
 */
public final class RedisServer implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final List<String> extraArguments;
    /** The TLS listener's port, 0 for none. */
    private final int tlsPort;
    private Process process;

    /** A server started on a free port, its files under {@code dir}. */
    public RedisServer(Path dir) throws IOException, InterruptedException {
        this(dir, List.of());
    }

    /** A started server with {@code extraArguments} as well, such as {@code --rename-command XAUTOCLAIM ""}. */
    public RedisServer(Path dir, List<String> extraArguments) throws IOException, InterruptedException {
        this(dir, freePort(), extraArguments);
        start();
    }

    private RedisServer(Path dir, int port, List<String> extraArguments) throws IOException {
        this(dir, port, extraArguments, 0);
    }

    private RedisServer(Path dir, int port, List<String> extraArguments, int tlsPort) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.port = port;
        this.extraArguments = List.copyOf(extraArguments);
        this.tlsPort = tlsPort;
    }

    /**
     * A started server that serves clients over TLS ({@link #tlsUrl}) with {@code certificates}
     * and admits only the ACL user {@code user}: the default user is off, so a client that does
     * not log in is refused.
     */
    public static RedisServer withTls(Path dir, TlsCertificates certificates, String user, String password)
            throws IOException, InterruptedException {
        int tls = freePort();
        RedisServer server = new RedisServer(dir, freePort(), List.of("--tls-port", Integer.toString(tls),
                "--tls-cert-file", certificates.serverCertificate().toString(),
                "--tls-key-file", certificates.serverKey().toString(),
                "--tls-ca-cert-file", certificates.caCertificate().toString(), "--tls-auth-clients", "no",
                "--user", "default", "off", "--user", user, "on", ">" + password, "~*", "&*", "+@all"), tls);
        server.start();
        return server;
    }

    /** The {@code rediss://} URL of the TLS listener, logged in as {@code user}. */
    public String tlsUrl(String user, String password) {
        if (tlsPort == 0) {
            throw new IllegalStateException("this Redis has no TLS listener");
        }
        return "rediss://" + user + ":" + password + "@localhost:" + tlsPort;
    }

    /** A server whose port is chosen but that is not started yet: a broker that is down. */
    public static RedisServer notStarted(Path dir) throws IOException {
        return new RedisServer(dir, freePort(), List.of());
    }

    private static int freePort() throws IOException {
        return FreePorts.pick();
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Starts the server (again, with its data) and waits until it answers. */
    public void start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--dir", dir.toString()));
        command.addAll(extraArguments);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
            }
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                if ("PONG".equals(jedis.ping())) {
                    return;
                }
            } catch (JedisDataException loginNeeded) {
                // It answers, and wants a user (see withTls).
                return;
            } catch (RuntimeException notYet) {
                // Still starting or still loading its append-only file.
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("redis-server did not answer on port " + port);
    }

    /** Closes every client connection but the one asking, as a network cut would. */
    public void killClients() {
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            jedis.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "normal", "SKIPME", "yes");
        }
    }

    /** SIGKILL, as a crashed or rescheduled Redis, then a start on the same port and data. */
    public void crashAndRestart(Duration down) throws IOException, InterruptedException {
        crash();
        Thread.sleep(down);
        start();
    }

    /** SIGKILL; returns once the server is gone. {@link #start} brings it back with its data. */
    public void crash() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
