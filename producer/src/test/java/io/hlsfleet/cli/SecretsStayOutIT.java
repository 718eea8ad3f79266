package io.hlsfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.status.JobState;
import io.hlsfleet.status.JobStatus;
import io.hlsfleet.status.RedisJobStatusStore;
import io.hlsfleet.status.StatusRecorder;
import io.hlsfleet.testing.RedisServer;
import io.hlsfleet.testing.ScriptedOrigin;
import io.hlsfleet.testing.SyntheticClip;
import io.hlsfleet.worker.JobListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A presigned URL's signature is needed by the download and by nothing else: it appears in no log
 * line (stack traces included), no dead letter and no status, whether its job is published, retried
 * or dies; and what {@code dlq list} and {@code status} print cannot carry a terminal escape sequence.
 */
class SecretsStayOutIT {

    private static final String SIGNATURE = "5ec4e75160a7ure0f7he5ource";
    private static final String QUERY = "?X-Amz-Credential=AKIDEXAMPLE&X-Amz-Signature=" + SIGNATURE;

    @TempDir
    Path tmp;

    private final Set<String> finished = ConcurrentHashMap.newKeySet();

    @Test
    void aPresignedUrlsSignatureAppearsInNoLogDeadLetterOrStatus() throws Exception {
        byte[] clip = Files.readAllBytes(SyntheticClip.video(320, 180).seconds(2).writeTo(tmp.resolve("clip.mp4")));
        ListAppender<ILoggingEvent> logs = captureLogs();
        Settings settings = Settings.of(Map.of(
                "HLSFLEET_ENCODE_PRESET", "ultrafast",
                "HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.0/8",
                "HLSFLEET_DOWNLOAD_ATTEMPTS", "1",
                "HLSFLEET_RETRY_DELAYS", "500ms",
                "HLSFLEET_MAX_ATTEMPTS", "2"));
        try (ScriptedOrigin origin = ScriptedOrigin.on("127.0.0.1")
                     .route("/signed.mp4", (request, out) -> ScriptedOrigin.respond(out, 200, Map.of(), clip))
                     .route("/flaky.mp4", (request, out) -> ScriptedOrigin.respond(out, 503, Map.of(), new byte[0]));
             // A redis-server of the test's own: no other fleet's status mixes with this one's.
             RedisServer redis = new RedisServer(tmp.resolve("redis"));
             RedisJobStatusStore store = new RedisJobStatusStore(redis.url());
             EmbeddedFleet fleet = new EmbeddedFleet(settings, List.of(), Files.createDirectories(tmp.resolve("staging")),
                     tmp.resolve("bucket"), recording(new StatusRecorder(store)))) {
            List<Job> jobs = List.of(
                    Job.submit(origin.url("/signed.mp4") + QUERY, false),
                    Job.submit(origin.url("/expired.mp4") + QUERY, false),
                    Job.submit(origin.url("/flaky.mp4") + QUERY, false));
            jobs.forEach(fleet::submit);
            String escape = "\u001b]0;owned\u0007\u001b[2J";
            fleet.submitRaw(("note " + escape + " " + origin.url("/expired.mp4") + QUERY).getBytes(StandardCharsets.UTF_8));

            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (finished.size() < jobs.size() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(finished).as("jobs finished within 3 minutes").hasSize(jobs.size());
            List<JobStatus> statuses = new ArrayList<>();
            for (Job job : jobs) {
                statuses.add(store.find(job.jobId()).orElseThrow());
            }
            assertThat(statuses).extracting(JobStatus::state)
                    .containsExactly(JobState.PUBLISHED, JobState.DEAD, JobState.DEAD);
            assertThat(statuses.getFirst().source()).isEqualTo(origin.url("/signed.mp4") + "?REDACTED");
            assertThat(JobCodec.toJson(statuses)).as("status").doesNotContain(SIGNATURE);

            List<DeadLetter> letters = fleet.deadLetters(Stage.DOWNLOAD);
            assertThat(letters).hasSize(3);
            assertThat(JobCodec.toJson(letters)).as("dead letters").contains("expired.mp4?REDACTED")
                    .doesNotContain(SIGNATURE);
            DeadLetter unreadable = letters.stream().filter(l -> l.job() == null).findFirst().orElseThrow();
            assertThat(unreadable.rawBody()).contains(escape);
            assertThat(Printable.of(unreadable.rawBody())).as("the body as dlq list prints it")
                    .contains("\\u001b]0;owned\\u0007").doesNotContain("\u001b", "\u0007");

            List<String> lines = logs.list.stream().map(SecretsStayOutIT::render).toList();
            assertThat(lines).as("log lines").anyMatch(line -> line.contains("flaky.mp4?REDACTED"))
                    .noneMatch(line -> line.contains(SIGNATURE));
        } finally {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        }
    }

    /**
     * Every event at the level workers log (INFO), the fleet's own debug lines and the job events
     * included, with stack traces. (Libraries' DEBUG logging, such as the HTTP client's request
     * lines, shows requests as sent; operators turn it on knowingly.)
     */
    private static ListAppender<ILoggingEvent> captureLogs() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(context);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        context.getLogger("io.hlsfleet").setLevel(Level.DEBUG);
        context.getLogger("io.hlsfleet.worker.StageWorker").setLevel(Level.DEBUG);
        root.addAppender(appender);
        return appender;
    }

    private static String render(ILoggingEvent event) {
        return event.getFormattedMessage()
                + (event.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }

    private JobListener recording(StatusRecorder status) {
        return new JobListener() {
            @Override
            public void started(Stage stage, Job job) {
                status.started(stage, job);
            }

            @Override
            public void succeeded(Stage stage, Job job, Stage nextStage) {
                status.succeeded(stage, job, nextStage);
                if (nextStage == null) {
                    finished.add(job.jobId());
                }
            }

            @Override
            public void retrying(Stage stage, Job job, JobFailure failure, Duration delay) {
                status.retrying(stage, job, failure, delay);
            }

            @Override
            public void dead(Stage stage, Job job, JobFailure failure) {
                status.dead(stage, job, failure);
                finished.add(job.jobId());
            }
        };
    }
}
