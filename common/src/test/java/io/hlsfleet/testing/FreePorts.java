package io.hlsfleet.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers that tests start as processes of their own (redis-server, RabbitMQ nodes,
 * workers, Prometheus), which bind the port some time after it was found free: a worker binds its
 * HTTP port only when its context is up, up to 20 s after it was started.
 */
public final class FreePorts {

    private static final int FIRST = 20_000;
    private static final int COUNT = 12_000;

    /**
     * One file shared by every test JVM on the machine. A port handed out is a one-byte lock at that
     * offset, held until the JVM exits, so that Maven's test forks running side by side never hand
     * out the same port before its server binds it; a port check alone could not tell.
     */
    static final Path CLAIMS = Path.of(System.getProperty("java.io.tmpdir"), "hlsfleet-test-ports.lock");

    /** This JVM's claims (a JVM may hold one lock per region), kept so they are never released. */
    private static final Map<Integer, FileLock> HANDED_OUT = new HashMap<>();

    private static FileChannel claims;

    private FreePorts() {
    }

    /**
     * A free port below Linux's ephemeral range (32768 and up): a port the system hands out would
     * be free when checked but could be taken by some outgoing connection before the server binds
     * it, which the many connections of side-by-side fleets made happen.
     */
    public static int pick() throws IOException {
        for (int tries = 0; tries < 1000; tries++) {
            int port = FIRST + ThreadLocalRandom.current().nextInt(COUNT);
            if (!claim(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port)) {
                return port;
            } catch (IOException taken) {
                // Bound by something else; the claim stays, so this JVM does not try it again.
            }
        }
        throw new IOException("no free port between " + FIRST + " and " + (FIRST + COUNT));
    }

    /** Claims {@code port} for this JVM unless this or another test JVM already has it. */
    private static synchronized boolean claim(int port) throws IOException {
        if (HANDED_OUT.containsKey(port)) {
            return false;
        }
        if (claims == null) {
            claims = FileChannel.open(CLAIMS, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        FileLock lock = claims.tryLock(port, 1, false);
        if (lock == null) {
            return false; // another JVM holds it
        }
        HANDED_OUT.put(port, lock);
        return true;
    }
}
