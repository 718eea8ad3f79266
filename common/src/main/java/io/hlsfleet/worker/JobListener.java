package io.hlsfleet.worker;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import java.time.Duration;

/**
 * Observes jobs as stages work on them: the job status store and the CLI's progress display
 * are listeners. Implementations must be fast and must not throw.
 */
public interface JobListener {

    default void queued(Job job) {
    }

    /** Many jobs queued at once ({@code hlsfleet submit} of a list); listeners that can, record them in one go. */
    default void queuedAll(java.util.List<Job> jobs) {
        jobs.forEach(this::queued);
    }

    default void started(Stage stage, Job job) {
    }

    default void progress(Stage stage, Job job, double fraction, String detail) {
    }

    /**
     * One part of a split job finished (a chunk of a long video's encode), and {@code fraction} of
     * the whole job's work is now done. Heard from whichever worker ran the part, once per part,
     * so listeners that thin out {@link #progress} need not thin this out.
     */
    default void partDone(Stage stage, Job job, double fraction, String detail) {
        progress(stage, job, fraction, detail);
    }

    /** The stage finished; {@code nextStage} is null when the job is published. */
    default void succeeded(Stage stage, Job job, Stage nextStage) {
    }

    default void retrying(Stage stage, Job job, JobFailure failure, Duration delay) {
    }

    default void dead(Stage stage, Job job, JobFailure failure) {
    }

    /** The job was cancelled at {@code stage} ({@code hlsfleet cancel}); it does nothing more. */
    default void cancelled(Stage stage, Job job, String reason) {
    }

    /**
     * The job's URL named a feed, playlist or channel, and each video it listed is about to be
     * queued as one of {@code children}; the job itself does nothing more. Heard before the children
     * are queued, so that nothing a child does later is overwritten by its being queued.
     */
    default void expanded(Stage stage, Job job, java.util.List<Job> children) {
    }

    /**
     * {@code hlsfleet dlq requeue} is about to send the dead {@code job} back to {@code stage}.
     * Heard before it is sent, so that nothing its new attempt does is overwritten by the requeue.
     *
     * @param reason why the job had died
     */
    default void requeued(Stage stage, Job job, String reason) {
    }

    /** Every one of {@code listeners}, in order; one that throws does not keep the next from hearing. */
    static JobListener all(java.util.List<JobListener> listeners) {
        java.util.List<JobListener> each = listeners.stream().filter(l -> l != NONE).toList();
        if (each.isEmpty()) {
            return NONE;
        }
        return each.size() == 1 ? each.getFirst() : new Composite(each);
    }

    JobListener NONE = new JobListener() {
    };

    /** Several listeners as one; closing it closes those that can be closed. */
    final class Composite implements JobListener, AutoCloseable {

        private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Composite.class);
        private final java.util.List<JobListener> listeners;

        private Composite(java.util.List<JobListener> listeners) {
            this.listeners = listeners;
        }

        private void each(java.util.function.Consumer<JobListener> call) {
            for (JobListener listener : listeners) {
                try {
                    call.accept(listener);
                } catch (RuntimeException e) {
                    log.warn("job listener {} failed: {}", listener.getClass().getSimpleName(), e.toString());
                }
            }
        }

        @Override
        public void queued(Job job) {
            each(l -> l.queued(job));
        }

        @Override
        public void queuedAll(java.util.List<Job> jobs) {
            each(l -> l.queuedAll(jobs));
        }

        @Override
        public void started(Stage stage, Job job) {
            each(l -> l.started(stage, job));
        }

        @Override
        public void progress(Stage stage, Job job, double fraction, String detail) {
            each(l -> l.progress(stage, job, fraction, detail));
        }

        @Override
        public void partDone(Stage stage, Job job, double fraction, String detail) {
            each(l -> l.partDone(stage, job, fraction, detail));
        }

        @Override
        public void succeeded(Stage stage, Job job, Stage nextStage) {
            each(l -> l.succeeded(stage, job, nextStage));
        }

        @Override
        public void retrying(Stage stage, Job job, JobFailure failure, Duration delay) {
            each(l -> l.retrying(stage, job, failure, delay));
        }

        @Override
        public void dead(Stage stage, Job job, JobFailure failure) {
            each(l -> l.dead(stage, job, failure));
        }

        @Override
        public void cancelled(Stage stage, Job job, String reason) {
            each(l -> l.cancelled(stage, job, reason));
        }

        @Override
        public void expanded(Stage stage, Job job, java.util.List<Job> children) {
            each(l -> l.expanded(stage, job, children));
        }

        @Override
        public void requeued(Stage stage, Job job, String reason) {
            each(l -> l.requeued(stage, job, reason));
        }

        @Override
        public void close() throws Exception {
            for (JobListener listener : listeners) {
                if (listener instanceof AutoCloseable closeable) {
                    closeable.close();
                }
            }
        }
    }
}
