package io.hlsfleet.worker;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.util.HashMap;
import java.util.Map;

/**
 * Continues a job's trace in each stage: a span per stage attempt, child of the context the job
 * was queued with ({@link Job#traceParent()}), and that span's context handed on with the job.
 * One video's download, encode and upload therefore show up as one trace, although they run in
 * different processes connected only by queues.
 *
 * <p>Without a tracer (the CLI's embedded fleet, tests) this is {@link #NONE} and costs nothing.
 * With a tracer whose sampler drops the trace, the ids still travel, so enabling export later on
 * some workers does not break traces apart.
 */
public final class JobTracing {

    static final String TRACEPARENT = "traceparent";

    public static final JobTracing NONE = new JobTracing(null, null);

    private final Tracer tracer;
    private final Propagator propagator;

    private JobTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** Tracing through {@code tracer}; the propagator must speak W3C trace context. */
    public static JobTracing of(Tracer tracer, Propagator propagator) {
        return tracer == null || propagator == null ? NONE : new JobTracing(tracer, propagator);
    }

    /** Starts the span of one attempt of {@code stage} on {@code job} and puts it in scope. */
    Attempt start(Stage stage, Job job) {
        if (tracer == null) {
            return Attempt.NONE;
        }
        Span.Builder builder = propagator.extract(job, (carrier, key) ->
                TRACEPARENT.equals(key) ? carrier.traceParent() : null);
        Span span = builder.name("hlsfleet " + stage.id())
                .kind(Span.Kind.CONSUMER)
                .tag("hlsfleet.stage", stage.id())
                .tag("hlsfleet.attempt", Integer.toString(job.attempt()))
                .tag("hlsfleet.job_id", job.jobId())
                .tag("hlsfleet.video_id", job.videoId())
                .start();
        return new Attempt(this, span, tracer.withSpan(span));
    }

    /** One stage attempt's span; close it exactly once. */
    static class Attempt implements AutoCloseable {

        static final Attempt NONE = new Attempt(null, null, null);

        private final JobTracing tracing;
        private final Span span;
        private final Tracer.SpanInScope scope;

        private Attempt(JobTracing tracing, Span span, Tracer.SpanInScope scope) {
            this.tracing = tracing;
            this.span = span;
            this.scope = scope;
        }

        /** {@code job} carrying this attempt's context, to be queued for the next stage or a retry. */
        Job handOn(Job job) {
            if (span == null) {
                return job;
            }
            Map<String, String> headers = new HashMap<>();
            tracing.propagator.inject(span.context(), headers, Map::put);
            String traceParent = headers.get(TRACEPARENT);
            return traceParent == null ? job : job.withTraceParent(traceParent);
        }

        void outcome(Outcome outcome, Throwable error) {
            if (span != null) {
                span.tag("hlsfleet.outcome", outcome.tag());
                if (error != null) {
                    span.error(error);
                }
            }
        }

        @Override
        public void close() {
            if (span != null) {
                scope.close();
                span.end();
            }
        }
    }
}
