package io.hlsfleet.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers that tests start as processes of their own (redis-server, RabbitMQ nodes,
 * workers, Prometheus), which bind the port some time after it was found free.
 */
public final class FreePorts {

    /** Ports handed out in this JVM: tests side by side never get the same one before either binds it. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /**
     * A free port below Linux's ephemeral range (32768 and up): a port the system hands out would
     * be free when checked but could be taken by some outgoing connection before the server binds
     * it, which the many connections of side-by-side fleets made happen.
     */
    public static int pick() throws IOException {
        for (int tries = 0; tries < 1000; tries++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port)) {
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException taken) {
                // Try another.
            }
        }
        throw new IOException("no free port between 20000 and 32000");
    }
}
