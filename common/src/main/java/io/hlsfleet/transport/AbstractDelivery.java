package io.hlsfleet.transport;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settling rules every transport shares, so that each transport only says how one outcome
 * goes over its wire:
 * <ul>
 *   <li>A delivery is settled once, and only once the broker took the outcome: when the step
 *       throws, the delivery stays unsettled and the error goes to the caller, so the consumer
 *       skeleton gives the message back on the wire instead of leaving it held.</li>
 *   <li>A hand-off whose next-stage message was confirmed is settled, whatever happens to the
 *       ack after it: the input is never retried or dead-lettered once its output is queued.</li>
 *   <li>Every outcome is recorded even by an interrupted worker (a shutdown interrupts handlers,
 *       and an interrupted thread cannot use a socket): the interrupt is set aside for the call.</li>
 *   <li>A delivery the broker took back from this consumer ({@link #lose}) is fenced: its handler
 *       is interrupted and it settles nothing, since another consumer may be working on it.</li>
 * </ul>
 */
public abstract class AbstractDelivery implements Delivery {

    private static final Logger log = LoggerFactory.getLogger(AbstractDelivery.class);

    private final Stage stage;
    private final byte[] body;
    private final Thread worker = Thread.currentThread();
    private final AtomicReference<String> lostBecause = new AtomicReference<>();
    private final AtomicReference<String> cancelledBecause = new AtomicReference<>();
    private final Object handlerLock = new Object();
    private boolean handling;
    private Job job;
    private String cancelsJob;
    private boolean settled;

    /**
     * @param body the message body as the broker holds it, or null when the message has none
     */
    protected AbstractDelivery(Stage stage, byte[] body) {
        this.stage = stage;
        this.body = body;
    }

    @Override
    public final Job job() {
        if (job == null) {
            throw new IllegalStateException("the message has not been read as a job");
        }
        return job;
    }

    public final Stage stage() {
        return stage;
    }

    /** The body as the broker holds it; null when the message has none. */
    protected final byte[] body() {
        return body;
    }

    /** The message as a person would read it in a dead letter, when it is not a job. */
    protected String rawText() {
        // Only the beginning: the dead letter keeps no more than that of a body of any size.
        return body == null ? "" : new String(body, 0, Math.min(body.length, DeadLetter.RAW_BODY_LIMIT * 4),
                StandardCharsets.UTF_8);
    }

    /** Reads the body as a job of this stage; throws {@link JobCodec.MalformedJobException}. */
    protected Job decode() {
        return JobCodec.decode(body, stage);
    }

    final void decoded(Job decoded) {
        this.job = decoded;
    }

    /** Marks this message an intake request to cancel {@code jobId} rather than a job. */
    final void cancelling(String jobId) {
        this.cancelsJob = jobId;
    }

    @Override
    public final String cancelsJob() {
        return cancelsJob;
    }

    /** The thread that consumes this delivery: a shutdown interrupts it after the grace period. */
    final Thread worker() {
        return worker;
    }

    public final synchronized boolean settled() {
        return settled;
    }

    /**
     * The transport's signal that the broker no longer holds this message for this consumer
     * ({@code reason} says why): the handler, if still running, is interrupted so that ffmpeg and
     * transfers stop, and nothing is settled from now on.
     */
    public final void lose(String reason) {
        if (lostBecause.compareAndSet(null, reason)) {
            interruptHandler(reason + "; interrupting its handler, which settles nothing");
        }
    }

    /**
     * A loss found out by the settling step itself, on the handler's own thread (which is not
     * interrupted): returns the exception that step throws.
     */
    protected final DeliveryLostException lostWhileSettling(String outcome, String reason) {
        lostBecause.compareAndSet(null, reason);
        return refused(outcome, reason);
    }

    private DeliveryLostException refused(String outcome, String reason) {
        return new DeliveryLostException(outcome + " of a " + stage.id() + " delivery refused: " + reason
                + "; another consumer may have the message");
    }

    /**
     * The same interrupt as a {@linkplain #lose loss}, for a job that was cancelled: its handler
     * stops (ffmpeg and transfers with it), but the delivery stays this consumer's to settle.
     */
    @Override
    public final void cancel(String reason) {
        if (cancelledBecause.compareAndSet(null, reason)) {
            interruptHandler("cancelled (" + reason + "); interrupting its handler");
        }
    }

    @Override
    public final String cancelReason() {
        return cancelledBecause.get();
    }

    private void interruptHandler(String why) {
        synchronized (handlerLock) {
            if (handling) {
                log.warn("{} job {}: {}", stage.id(), job == null ? "?" : job.jobId(), why);
                worker.interrupt();
            }
        }
    }

    @Override
    public final boolean lost() {
        return lostBecause.get() != null;
    }

    /** Marks the handler running or done, so that a loss interrupts only a running handler. */
    final void handling(boolean running) {
        synchronized (handlerLock) {
            handling = running;
            if (!running && (lost() || cancelReason() != null)) {
                // The loss or cancel may have interrupted this thread; the next delivery must not inherit it.
                Thread.interrupted();
            }
        }
    }

    @Override
    public final void ack() {
        settle("ack", this::sendAck);
    }

    @Override
    public final void handOff(Stage next, Job output) {
        byte[] encoded = JobCodec.encode(output);
        settle("hand-off", () -> sendHandOff(next, output.priority(), encoded));
    }

    @Override
    public final void retryLater(Job retry, Duration delay) {
        byte[] encoded = JobCodec.encode(retry);
        settle("retry", () -> sendRetry(encoded, retry.priority(), delay));
    }

    @Override
    public final void deadLetter(DeadLetter deadLetter) {
        byte[] encoded = JobCodec.encode(deadLetter);
        settle("dead-letter", () -> sendDeadLetter(encoded));
    }

    @Override
    public final void release() {
        settle("release", this::sendRelease);
    }

    /**
     * Gives back a message its handler left unsettled while the consumer keeps running: a
     * handler that fails this way may crash on the job, so the broker counts the delivery.
     */
    final void abandon() {
        settle("give-back", this::sendAbandon);
    }

    /** Removes the message from the queue. */
    protected abstract void sendAck();

    /**
     * Queues {@code output} for {@code next} at its {@code priority}, waiting for the broker's confirmation, then removes
     * this message. Throws only if the output was not confirmed; an ack failing after it is
     * logged, since the message then comes back as a duplicate the idempotent stage absorbs.
     */
    protected abstract void sendHandOff(Stage next, Priority priority, byte[] output);

    /** Queues {@code retry} for this stage at its {@code priority} after {@code delay}, then removes this message. */
    protected abstract void sendRetry(byte[] retry, Priority priority, Duration delay);

    /** Puts {@code deadLetter} on this stage's dead letters, then removes this message. */
    protected abstract void sendDeadLetter(byte[] deadLetter);

    /** Returns the message to the queue without counting this delivery (a graceful stop). */
    protected abstract void sendRelease();

    /** Returns the message to the queue, counting this delivery toward the poison limit. */
    protected abstract void sendAbandon();

    private synchronized void settle(String outcome, Runnable step) {
        if (settled) {
            log.debug("{} of a {} delivery ignored: it is already settled", outcome, stage.id());
            return;
        }
        String lost = lostBecause.get();
        if (lost != null) {
            throw refused(outcome, lost);
        }
        boolean interrupted = Thread.interrupted();
        try {
            step.run();
            settled = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
