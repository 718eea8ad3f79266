package io.hlsfleet.e2e;

import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;

/**
 * Starting a worker JVM or a RabbitMQ node is CPU-bound (seconds of CPU each), and the fault
 * scenarios run side by side: at most as many start at once as the machine has cores (two at
 * least). A dozen start-ups at once would each take minutes on two cores; in turn, each bounded
 * wait for one measures that one start-up rather than the queue in front of it.
 */
final class StartUps {

    private static final Semaphore SLOTS = new Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors()),
            true);

    private StartUps() {
    }

    /** Waits for a slot; {@link #release} gives it back once the start-up's CPU-heavy part is done. */
    static void acquire() {
        SLOTS.acquireUninterruptibly();
    }

    static void release() {
        SLOTS.release();
    }

    /** Runs a start-up in a slot. */
    static <T> T run(Callable<T> startUp) throws Exception {
        acquire();
        try {
            return startUp.call();
        } finally {
            release();
        }
    }
}
