package io.hlsfleet.worker;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.JobOptions;
import io.hlsfleet.job.ListEntry;
import io.hlsfleet.job.SourceUrls;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.transport.Delivery;
import io.hlsfleet.transport.DeliveryLostException;
import io.hlsfleet.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Binds one stage's {@link StageHandler} to a transport with a given concurrency, and owns what
 * every stage has in common:
 * <ul>
 *   <li>Hand-off: the output is published to the next stage (and confirmed by the broker) before
 *       the input is acked, so a crash in between costs a duplicate, never a job; once the output
 *       is confirmed the input is never retried ({@link Delivery#handOff}). A duplicate writes
 *       under keys of its own attempt and publishes the same video id again.</li>
 *   <li>Failures: retryable ones come back after the policy's delay until the attempts run out;
 *       non-retryable ones, exhausted ones and messages redelivered too often go to the stage's
 *       dead-letter queue with the reason.</li>
 *   <li>Shutdown: {@link #stop} takes no new jobs and gives jobs still running after the grace
 *       period back to the queue.</li>
 *   <li>Fencing: an attempt whose delivery the broker took back ({@link Delivery#lost}) is
 *       interrupted by its transport and abandoned here, settling nothing.</li>
 *   <li>Cancel: a job someone cancelled ({@link Cancellation}) is not started, and a running
 *       download, encode or upload is interrupted through its delivery ({@link Delivery#cancel}),
 *       the way a lost delivery's is; either way the job is acked, its staged files removed, and it
 *       ends cancelled. A handler {@linkplain JobContext#commit commits} before a step that cannot
 *       be taken back (the master playlist); from then on cancels are refused.</li>
 *   <li>Observability: metrics ({@link StageMetrics}), one log line per job event with the job and
 *       video ids in the MDC, and a trace span per attempt ({@link JobTracing}).</li>
 * </ul>
 */
public final class StageWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StageWorker.class);

    private final Stage stage;
    private final StageHandler handler;
    private final Transport transport;
    private final RetryPolicy retryPolicy;
    private final JobListener listener;
    private final StageMetrics metrics;
    private final JobTracing tracing;
    private final Intake intake;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicReference<Instant> lastTakenQueuedAt = new AtomicReference<>();
    private Transport.Subscription subscription;
    private volatile Cancellation cancellation = Cancellation.NONE;
    /** The deliveries being handled now, by job id, for the cancel watcher. */
    private final Map<Delivery, String> running = new ConcurrentHashMap<>();
    private Thread cancelWatcher;

    /** How often running jobs are checked for a cancel request. */
    static final Duration CANCEL_CHECK_INTERVAL = Duration.ofSeconds(1);

    public StageWorker(Stage stage, StageHandler handler, Transport transport, RetryPolicy retryPolicy,
            JobListener listener, MeterRegistry registry, Intake intake) {
        this(stage, handler, transport, retryPolicy, listener, registry, JobTracing.NONE, intake);
    }

    /**
     * @param intake decides the identity of jobs arriving on the intake queue; used only by the
     *     first stage
     */
    public StageWorker(Stage stage, StageHandler handler, Transport transport, RetryPolicy retryPolicy,
            JobListener listener, MeterRegistry registry, JobTracing tracing, Intake intake) {
        this.stage = stage;
        this.handler = handler;
        this.transport = transport;
        this.retryPolicy = retryPolicy;
        this.listener = listener;
        this.metrics = new StageMetrics(registry, stage);
        this.tracing = tracing;
        this.intake = intake;
    }

    public Stage stage() {
        return stage;
    }

    /**
     * When the newest message this worker took from its queue had been queued ({@link Job#updatedAt()}),
     * empty before the first. The queue is FIFO, so every message still waiting was queued after
     * that: it bounds the age of the oldest waiting message, which brokers do not report cheaply.
     */
    public Optional<Instant> lastTakenQueuedAt() {
        return Optional.ofNullable(lastTakenQueuedAt.get());
    }

    /** Honours the cancel requests of {@code requests}; call before {@link #start}. */
    public StageWorker cancelledBy(Cancellation requests) {
        this.cancellation = requests;
        return this;
    }

    /** Starts {@code concurrency} consumers; each works on one job at a time. */
    public synchronized StageWorker start(int concurrency) {
        if (subscription != null) {
            throw new IllegalStateException(stage.id() + " worker already started");
        }
        subscription = transport.subscribe(stage, concurrency, this::handle);
        if (cancellation != Cancellation.NONE) {
            cancelWatcher = Thread.ofVirtual().name("hlsfleet-" + stage.id() + "-cancels").start(this::watchCancels);
        }
        log.info("{} worker consuming with concurrency {}", stage.id(), concurrency);
        return this;
    }

    /**
     * Takes no new jobs, lets jobs in flight finish within {@code grace}, then interrupts the rest
     * (their handlers stop ffmpeg or the transfer) and gives their messages back to the queue.
     */
    public synchronized void stop(Duration grace) {
        stopping.set(true);
        if (cancelWatcher != null) {
            cancelWatcher.interrupt();
        }
        if (subscription != null) {
            subscription.stop(grace);
            subscription = null;
        }
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    private void handle(Delivery delivery) {
        if (delivery.cancelsJob() != null) {
            requestCancel(delivery, delivery.cancelsJob());
            return;
        }
        Job job = stage == Stage.DOWNLOAD ? intake.admit(delivery.job()) : delivery.job();
        MDC.put("jobId", job.jobId());
        MDC.put("videoId", job.videoId());
        MDC.put("stage", stage.id());
        lastTakenQueuedAt.accumulateAndGet(job.updatedAt(),
                (previous, taken) -> previous == null || taken.isAfter(previous) ? taken : previous);
        try {
            String cancelled = cancelRequested(job);
            if (cancelled != null) {
                endCancelled(delivery, job, cancelled);
                return;
            }
            if (delivery.deliveryCount() > retryPolicy.maxDeliveries()) {
                JobFailure poison = JobFailure.permanent("delivered " + delivery.deliveryCount()
                        + " times without being settled; a worker probably crashes on this job");
                giveUp(delivery, job, poison);
                metrics.failed(metrics.start(), Outcome.DEAD, Outcome.FailureClass.PERMANENT);
                return;
            }
            String refused = stage == Stage.DOWNLOAD ? intake.refusal(job) : null;
            if (refused != null) {
                // Without the refused options: its dead event must not go to a callback URL the intake refused.
                giveUp(delivery, job.withOptions(JobOptions.NONE), JobFailure.permanent(refused));
                metrics.failed(metrics.start(), Outcome.DEAD, Outcome.FailureClass.PERMANENT);
                return;
            }
            // By delivery: the parts of one job may run side by side in one worker.
            running.put(delivery, job.jobId());
            try {
                process(delivery, job);
            } finally {
                running.remove(delivery);
            }
        } finally {
            MDC.clear();
        }
    }

    /**
     * An intake message {@code {"cancel": "<jobId>"}}: the same request as {@code hlsfleet cancel},
     * refused for the same reasons (logged; the job's status already tells). When the store cannot
     * be reached the message goes back to the queue, and after too many deliveries to the dead
     * letters, with the reason.
     */
    private void requestCancel(Delivery delivery, String jobId) {
        MDC.put("jobId", jobId);
        MDC.put("stage", stage.id());
        try {
            if (delivery.deliveryCount() > retryPolicy.maxDeliveries()) {
                delivery.deadLetter(new DeadLetter(null, "{\"cancel\": \"" + jobId + "\"}", stage,
                        delivery.deliveryCount(), IllegalStateException.class.getName(), "cancel message delivered "
                                + delivery.deliveryCount() + " times; the cancel request could not be recorded",
                        Instant.now()));
                return;
            }
            Optional<String> refused = cancellation.request(jobId, INTAKE_CANCEL_REASON);
            delivery.ack();
            if (refused.isPresent()) {
                log.warn("cancel message for job {} refused: {}", jobId, refused.get());
            } else {
                log.info("cancel of job {} requested by an intake message", jobId);
            }
        } finally {
            MDC.clear();
        }
    }

    /** The reason a job cancelled by an intake message ends with. */
    static final String INTAKE_CANCEL_REASON = "cancelled by a cancel message on the intake queue";

    /** The reason {@code job} was cancelled, or null; a store that cannot be asked cancels nothing. */
    private String cancelRequested(Job job) {
        try {
            return cancellation.requested(List.of(job.jobId())).get(job.jobId());
        } catch (RuntimeException e) {
            log.warn("could not check whether job {} was cancelled: {}", job.jobId(), e.getMessage());
            return null;
        }
    }

    /** Interrupts the running jobs someone cancelled, checking every {@link #CANCEL_CHECK_INTERVAL}. */
    private void watchCancels() {
        while (!stopping.get()) {
            try {
                Thread.sleep(CANCEL_CHECK_INTERVAL);
                if (!running.isEmpty()) {
                    Map<String, String> cancelled = cancellation.requested(Set.copyOf(running.values()));
                    running.forEach((delivery, jobId) -> {
                        String reason = cancelled.get(jobId);
                        if (reason != null) {
                            delivery.cancel(reason);
                        }
                    });
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.debug("could not check the running {} jobs for cancels", stage.id(), e);
            }
        }
    }

    /** Ends a cancelled job here: acked (nothing goes on), its staged files removed, reported cancelled. */
    private void endCancelled(Delivery delivery, Job job, String reason) {
        // The interrupt was for the handler, which is done; the clean-up must not inherit it.
        boolean interrupted = Thread.interrupted();
        try {
            delivery.ack();
            try {
                cancellation.discard(job);
            } catch (RuntimeException e) {
                log.warn("could not remove the staged files of cancelled job {}: {}", job.jobId(), e.getMessage());
            }
            listener.cancelled(stage, job, reason);
            log.info("{} cancelled: {}", stage.id(), reason);
        } finally {
            if (interrupted && delivery.cancelReason() == null) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void process(Delivery delivery, Job job) {
        try (JobTracing.Attempt attempt = tracing.start(stage, job)) {
            process(delivery, job, attempt);
        }
    }

    private void process(Delivery delivery, Job job, JobTracing.Attempt attempt) {
        log.info("{} started (attempt {})", stage.id(), job.attempt());
        // The parts of a split job run side by side and in any order: the job's status and events
        // follow the job (started once, then retrying, dead or handed on), not each part's run,
        // which could otherwise report a dead job working again.
        if (job.outputs().part() == null) {
            listener.started(stage, job);
        }
        Timer.Sample sample = metrics.start();
        StageOutputs outputs = null;
        try {
            outputs = handler.process(job, new Context(job, delivery));
            if (outputs.entries() != null && delivery.cancelReason() == null) {
                expand(delivery, job, outputs.entries());
                metrics.succeeded(sample, job, false);
                attempt.outcome(Outcome.SUCCEEDED, null);
                log.info("{} listed {} videos; each is a job of its own now", stage.id(), outputs.entries().size());
                return;
            }
            if (outputs.split() != null && delivery.cancelReason() == null) {
                split(delivery, job, outputs);
                metrics.succeeded(sample, job, false);
                attempt.outcome(Outcome.SUCCEEDED, null);
                log.info("{} split into {} parts, each queued on its own", stage.id(), outputs.split().size());
                return;
            }
            if (outputs.reportsPartDone() && delivery.cancelReason() == null) {
                // The job goes on in its other parts; the one that finishes it hands it on.
                delivery.ack();
                metrics.succeeded(sample, job, false);
                attempt.outcome(Outcome.SUCCEEDED, null);
                log.info("{} {} done", stage.id(), job.outputs().part());
                return;
            }
            Optional<Stage> next = stage.next();
            if (next.isPresent() && delivery.cancelReason() != null) {
                // Cancelled as it finished: the next stage would only skip it.
                endCancelled(delivery, job, delivery.cancelReason());
                metrics.failed(sample, Outcome.CANCELLED, Outcome.FailureClass.NONE);
                attempt.outcome(Outcome.CANCELLED, null);
                return;
            }
            if (next.isPresent()) {
                delivery.handOff(next.get(), attempt.handOn(job.advance(next.get(), outputs)));
            } else {
                delivery.ack();
            }
            metrics.succeeded(sample, job, next.isEmpty());
            attempt.outcome(Outcome.SUCCEEDED, null);
            listener.succeeded(stage, job, next.orElse(null));
            log.info("{} succeeded{}", stage.id(), next.isEmpty() ? "; ladder published" : "");
        } catch (Throwable error) {
            if (delivery.lost()) {
                // Fenced: another worker may hold the job now, and this attempt records no outcome.
                // What it staged is under keys of its own that nobody will read.
                if (outputs != null && error instanceof DeliveryLostException) {
                    removeAbandoned(job, outputs);
                }
                metrics.failed(sample, Outcome.ABANDONED, Outcome.FailureClass.NONE);
                attempt.outcome(Outcome.ABANDONED, null);
                log.warn("{} attempt abandoned: the broker took the job back from this worker ({})", stage.id(),
                        error.toString());
                return;
            }
            if (delivery.cancelReason() != null) {
                endCancelled(delivery, job, delivery.cancelReason());
                metrics.failed(sample, Outcome.CANCELLED, Outcome.FailureClass.NONE);
                attempt.outcome(Outcome.CANCELLED, null);
                return;
            }
            if (stopping.get() && JobFailure.interrupted(error)) {
                delivery.release();
                metrics.failed(sample, Outcome.RELEASED, Outcome.FailureClass.NONE);
                attempt.outcome(Outcome.RELEASED, null);
                log.info("{} interrupted by shutdown; job given back to the queue", stage.id());
                return;
            }
            JobFailure failure = JobFailure.classify(error);
            if (failure.retryable() && retryPolicy.mayRetry(job.attempt())) {
                Duration delay = retryPolicy.delayAfter(job.attempt());
                delivery.retryLater(attempt.handOn(job.nextAttempt()), delay);
                metrics.failed(sample, Outcome.RETRIED, Outcome.FailureClass.RETRYABLE);
                attempt.outcome(Outcome.RETRIED, SourceUrls.redact(error));
                listener.retrying(stage, job, failure, delay);
                log.warn("{} attempt {} failed, retrying in {} s: {}", stage.id(), job.attempt(),
                        delay.toSeconds(), failure.reason(), SourceUrls.redact(failure.getCause()));
            } else if (lateDuplicate(job)) {
                // A message redelivered after its job went on (a lost ack) whose inputs the published
                // job's upload has removed: its failure says nothing of the job, which must not turn dead.
                delivery.ack();
                metrics.failed(sample, Outcome.ABANDONED, Outcome.FailureClass.NONE);
                attempt.outcome(Outcome.ABANDONED, null);
                log.warn("{} of a job already published failed ({}); dropped as a late duplicate", stage.id(),
                        failure.reason());
            } else {
                giveUp(delivery, job, failure);
                metrics.failed(sample, Outcome.DEAD, Outcome.FailureClass.of(failure));
                attempt.outcome(Outcome.DEAD, SourceUrls.redact(error));
            }
        }
    }

    /**
     * Ends a job whose URL named a list of videos: each entry is queued on the intake as a job of
     * its own, sealed with this job as its parent, before this delivery is acked. A crash in between
     * lists the feed again and queues the same job ids ({@link Job#listed}), so it costs duplicates
     * of the same jobs, never jobs nobody knows of.
     */
    private void expand(Delivery delivery, Job job, List<ListEntry> entries) {
        List<Job> children = entries.stream().map(job::listed).map(intake::seal).toList();
        listener.expanded(stage, job, children);
        transport.publishAll(Stage.DOWNLOAD, children);
        delivery.ack();
    }

    /**
     * Queues the parts a handler split the job's work into on this stage, then acks the job. A
     * crash in between splits the job again into the same parts (the handler names them from the
     * job), so it costs duplicate parts, which find their work done, never a lost one.
     */
    private void split(Delivery delivery, Job job, StageOutputs outputs) {
        transport.publishAll(stage, outputs.split().stream().map(part -> job.part(part, outputs)).toList());
        delivery.ack();
    }

    /** Whether {@code job} is past this stage and its upload committed; a store that cannot be asked says no. */
    private boolean lateDuplicate(Job job) {
        if (stage.next().isEmpty()) {
            return false;
        }
        try {
            return cancellation.committed(job.jobId());
        } catch (RuntimeException e) {
            log.warn("could not check whether job {} is already published: {}", job.jobId(), e.getMessage());
            return false;
        }
    }

    private void removeAbandoned(Job job, StageOutputs outputs) {
        try {
            handler.abandoned(job, outputs);
        } catch (Exception e) {
            log.warn("could not remove what the abandoned {} attempt staged: {}", stage.id(), e.toString());
        }
    }

    /** Dead-letters the job; its staged inputs stay, so that `dlq requeue` can carry on from them. */
    private void giveUp(Delivery delivery, Job job, JobFailure failure) {
        delivery.deadLetter(DeadLetter.of(job, failure));
        listener.dead(stage, job, failure);
        log.error("{} gave up after {} attempt(s): {}", stage.id(), job.attempt(), failure.reason());
    }

    private final class Context implements JobContext {
        private final Job job;
        private final Delivery delivery;

        Context(Job job, Delivery delivery) {
            this.job = job;
            this.delivery = delivery;
        }

        @Override
        public boolean commit() {
            if (delivery.cancelReason() != null) {
                return false;
            }
            boolean committed;
            try {
                committed = cancellation.commit(job.jobId());
            } catch (RuntimeException e) {
                // As when cancels cannot be read: a store that cannot be asked cancels nothing.
                log.warn("could not record that job {} is past cancelling: {}", job.jobId(), e.getMessage());
                return true;
            }
            if (!committed) {
                String reason = cancelRequested(job);
                delivery.cancel(reason != null ? reason : "cancelled");
            }
            return committed;
        }

        @Override
        public boolean cancelled() {
            return delivery.cancelReason() != null;
        }

        @Override
        public void progress(double fraction, String detail) {
            if (job.outputs().part() == null) {
                listener.progress(stage, job, fraction, detail);
            }
        }

        @Override
        public void partDone(double jobFraction, String detail) {
            listener.partDone(stage, job, jobFraction, detail);
        }

        @Override
        public void bytes(String direction, long count) {
            metrics.bytes(direction).record(count);
        }
    }
}
