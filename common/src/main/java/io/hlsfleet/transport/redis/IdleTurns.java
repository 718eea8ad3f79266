package io.hlsfleet.transport.redis;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets the free consumers of one worker take turns looking for work while the streams are empty.
 * Reads cannot block (see {@link StageQueue#readNew}), so without turns every free consumer would
 * ask Redis every pause: a download worker with 32 slots, nearly 900 commands a second for nothing.
 *
 * <p>After a look that found nothing, the next one comes a pause later, from one consumer. A look
 * that finds work wakes every free consumer at once, so a burst is shared out as fast as before;
 * a new entry waits at most one pause, as it did before.
 */
final class IdleTurns {

    private final long pauseNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workFound = lock.newCondition();
    /** The last look found nothing. */
    private boolean quiet;
    private long quietSince;
    /** The consumer looking on its turn, or null. */
    private Thread looking;

    IdleTurns(Duration pause) {
        this.pauseNanos = pause.toNanos();
    }

    /**
     * True if the calling consumer may look for work now; otherwise false, after waiting at most a
     * pause, so that the caller can see whether it should stop before it asks again. Every look
     * allowed must be followed by {@link #looked}.
     */
    boolean awaitTurn() throws InterruptedException {
        lock.lock();
        try {
            if (!quiet) {
                return true;
            }
            long wait = quietSince + pauseNanos - System.nanoTime();
            if (wait <= 0 && looking == null) {
                looking = Thread.currentThread();
                return true;
            }
            workFound.awaitNanos(wait > 0 ? wait : pauseNanos);
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Ends the calling consumer's look: {@code found} whether it found an entry. */
    void looked(boolean found) {
        lock.lock();
        try {
            boolean onTurn = looking == Thread.currentThread();
            if (onTurn) {
                looking = null;
            }
            if (found) {
                if (quiet) {
                    quiet = false;
                    workFound.signalAll();
                }
            } else if (!quiet || onTurn) {
                quiet = true;
                quietSince = System.nanoTime();
            }
        } finally {
            lock.unlock();
        }
    }
}
