package io.hlsfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.transport.InMemoryTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * One job through download, encode and upload on a real OpenTelemetry SDK: one trace, one span
 * per stage attempt, each the child of the attempt that queued the job.
 */
class StageWorkerTracingTest {

    private static final RetryPolicy FAST = new RetryPolicy(List.of(Duration.ofMillis(20)), 3, 5);

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .setSampler(Sampler.alwaysOn())
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
    private final InMemoryTransport transport = new InMemoryTransport();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        transport.close();
        provider.close();
    }

    private JobTracing tracing() {
        io.opentelemetry.api.trace.Tracer otel = provider.get("hlsfleet-test");
        OtelTracer tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), event -> { });
        ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
        return JobTracing.of(tracer, new OtelPropagator(propagators, otel));
    }

    private StageWorker worker(Stage stage, StageHandler handler, JobTracing tracing) {
        return new StageWorker(stage, handler, transport, FAST, JobListener.NONE, registry, tracing,
                new Intake("tracing test".getBytes(java.nio.charset.StandardCharsets.UTF_8), false)).start(1);
    }

    @Test
    void theStagesOfOneJobAreOneTraceChainedThroughTheQueues() {
        JobTracing tracing = tracing();
        AtomicInteger encodeCalls = new AtomicInteger();
        try (var download = worker(Stage.DOWNLOAD, (job, ctx) -> job.outputs().withSource("jobs/x/source", 1), tracing);
             var encode = worker(Stage.ENCODE, (job, ctx) -> {
                 if (encodeCalls.incrementAndGet() == 1) {
                     throw JobFailure.retryable("first encode attempt fails", null);
                 }
                 return job.outputs();
             }, tracing);
             var upload = worker(Stage.UPLOAD, (job, ctx) -> job.outputs(), tracing)) {
            transport.publish(Stage.DOWNLOAD, Job.submit("https://x.example/a.mp4", false));
            await("four finished spans").atMost(Duration.ofSeconds(10))
                    .until(() -> exporter.getFinishedSpanItems().size() == 4);
        }

        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).extracting(SpanData::getName)
                .containsExactlyInAnyOrder("hlsfleet download", "hlsfleet encode", "hlsfleet encode", "hlsfleet upload");
        assertThat(spans).extracting(SpanData::getTraceId).as("one trace").containsOnly(spans.getFirst().getTraceId());

        Map<String, SpanData> byId = spans.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
        SpanData root = single(spans, "download", 1);
        SpanData failedEncode = single(spans, "encode", 1);
        SpanData retriedEncode = single(spans, "encode", 2);
        SpanData upload = single(spans, "upload", 1);
        assertThat(root.getParentSpanContext().isValid()).as("the first stage starts the trace").isFalse();
        assertThat(byId.get(failedEncode.getParentSpanId())).isEqualTo(root);
        assertThat(byId.get(retriedEncode.getParentSpanId())).as("a retry follows the failed attempt").isEqualTo(failedEncode);
        assertThat(byId.get(upload.getParentSpanId())).isEqualTo(retriedEncode);
        assertThat(failedEncode.getAttributes().asMap().toString()).contains("retried");
        assertThat(upload.getAttributes().asMap().toString()).contains("succeeded");
    }

    @Test
    void theSpanIsCurrentWhileTheHandlerRuns() {
        JobTracing tracing = tracing();
        List<String> traceIdsSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var upload = worker(Stage.UPLOAD, (job, ctx) -> {
            traceIdsSeen.add(io.opentelemetry.api.trace.Span.current().getSpanContext().getTraceId());
            return job.outputs();
        }, tracing)) {
            transport.publish(Stage.UPLOAD, Job.submit("https://x.example/b.mp4", false));
            await("one finished span").atMost(Duration.ofSeconds(10))
                    .until(() -> exporter.getFinishedSpanItems().size() == 1);
        }
        assertThat(traceIdsSeen).containsExactly(exporter.getFinishedSpanItems().getFirst().getTraceId());
        assertThat(MDC.get("jobId")).as("the MDC is cleared after the job").isNull();
    }

    @Test
    void withoutATracerJobsCarryNoTraceContext() {
        List<Job> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var download = worker(Stage.DOWNLOAD, (job, ctx) -> job.outputs(), JobTracing.NONE);
             var encode = worker(Stage.ENCODE, (job, ctx) -> {
                 seen.add(job);
                 return job.outputs();
             }, JobTracing.NONE)) {
            transport.publish(Stage.DOWNLOAD, Job.submit("https://x.example/c.mp4", false));
            await("the job seen by the handler").atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        }
        assertThat(seen.getFirst().traceParent()).isNull();
    }

    private static SpanData single(List<SpanData> spans, String stage, int attempt) {
        List<SpanData> matching = spans.stream()
                .filter(s -> s.getName().equals("hlsfleet " + stage))
                .filter(s -> String.valueOf(attempt).equals(s.getAttributes().asMap().entrySet().stream()
                        .filter(e -> e.getKey().getKey().equals("hlsfleet.attempt"))
                        .map(e -> String.valueOf(e.getValue())).findFirst().orElse(null)))
                .toList();
        assertThat(matching).as("%s attempt %d", stage, attempt).hasSize(1);
        return matching.getFirst();
    }
}
