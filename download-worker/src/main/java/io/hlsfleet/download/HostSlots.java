package io.hlsfleet.download;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Connection slots per host and port, so that one worker never opens more than {@code perHost}
 * transfers to one origin. A host's entry exists only while some transfer holds or awaits one of
 * its slots: a worker that downloads from millions of hosts over its life keeps none of them.
 */
final class HostSlots {

    private final int perHost;
    private final Map<String, Host> hosts = new HashMap<>();

    HostSlots(int perHost) {
        this.perHost = perHost;
    }

    /** Takes a slot of {@code host}, waiting at most {@code timeoutNanos}; false if none came free. */
    boolean tryAcquire(String host, long timeoutNanos) throws InterruptedException {
        Host entry = join(host);
        boolean acquired = false;
        try {
            acquired = timeoutNanos > 0 && entry.slots.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS);
            return acquired;
        } finally {
            if (!acquired) {
                leave(host, entry);
            }
        }
    }

    /** Gives back a slot taken with {@link #tryAcquire}. */
    void release(String host) {
        Host entry;
        synchronized (this) {
            entry = hosts.get(host);
        }
        if (entry == null) {
            throw new IllegalStateException("no slot of " + host + " is held");
        }
        entry.slots.release();
        leave(host, entry);
    }

    /** Hosts with a transfer holding or awaiting a slot. */
    synchronized int hostsInUse() {
        return hosts.size();
    }

    private synchronized Host join(String host) {
        Host entry = hosts.computeIfAbsent(host, h -> new Host(new Semaphore(perHost, true)));
        entry.users++;
        return entry;
    }

    private synchronized void leave(String host, Host entry) {
        if (--entry.users == 0) {
            hosts.remove(host);
        }
    }

    private static final class Host {
        private final Semaphore slots;
        private int users;

        private Host(Semaphore slots) {
            this.slots = slots;
        }
    }
}
