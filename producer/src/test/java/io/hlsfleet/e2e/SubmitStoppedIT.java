package io.hlsfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.config.Settings;
import io.hlsfleet.job.Stage;
import io.hlsfleet.testing.RedisServer;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.Transports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code hlsfleet submit} of a long list, killed outright or told to stop midway: every job id it
 * printed is on the intake queue, at most the one batch it was sending is queued beyond them, and
 * when it was told to stop it says how many it queued. Run on both brokers.
 */
class SubmitStoppedIT {

    private static final int URLS = 200_000;
    private static final int BATCH = 500;
    /** Stopped once this many ids are printed: well into the list, far from its end. */
    private static final int STOP_AFTER = 4 * BATCH;
    private static final Pattern REPORT = Pattern.compile("stopped after (\\d+) of " + URLS + " jobs were queued");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"rabbitmq, SIGKILL", "rabbitmq, SIGTERM", "redis, SIGKILL", "redis, SIGTERM"})
    void everyPrintedJobIdIsQueued(String broker, String signal) throws Exception {
        Path list = tmp.resolve("urls.txt");
        Files.write(list, IntStream.rangeClosed(1, URLS)
                .mapToObj(i -> "https://videos.example.org/uploads/clip-" + i + ".mp4").toList());
        try (RabbitVhost vhost = broker.equals("rabbitmq") ? new RabbitVhost() : null;
             RedisServer redis = new RedisServer(tmp.resolve("redis"))) {
            Map<String, String> env = new HashMap<>(vhost != null ? vhost.brokerEnvironment()
                    : Map.of("HLSFLEET_BROKER", "redis", "HLSFLEET_REDIS_URL", redis.url()));
            env.put("HLSFLEET_STATUS_REDIS_URL", redis.url());
            env.put("HLSFLEET_BUCKET", tmp.resolve("bucket").toUri().toString());
            Path out = tmp.resolve("out.txt");
            Path err = tmp.resolve("err.txt");

            Process submit = Cli.start(env, List.of("submit", "--batch", Integer.toString(BATCH), list.toString()),
                    out, err);
            awaitLines(out, STOP_AFTER, submit);
            if (signal.equals("SIGKILL")) {
                submit.destroyForcibly();
            } else {
                submit.destroy();
            }
            assertThat(submit.waitFor(30, TimeUnit.SECONDS)).as("submit ended after " + signal).isTrue();

            List<String> printed = Files.readAllLines(out);
            assertThat(printed.size()).as("ids printed before the stop").isBetween(STOP_AFTER, URLS - 1);
            assertThat(new HashSet<>(printed)).as("distinct ids printed").hasSize(printed.size());
            Set<String> queued = drainIntake(env);
            assertThat(queued).as("jobs on the intake queue").containsAll(printed);
            assertThat(queued.size() - printed.size()).as("jobs queued beyond those printed").isBetween(0, BATCH);

            if (signal.equals("SIGTERM")) {
                Matcher report = REPORT.matcher(Files.readString(err));
                assertThat(report.find()).as("report on standard error: " + Files.readString(err)).isTrue();
                // The list keeps being read while the report is written, so it can only lag the output.
                assertThat(Integer.parseInt(report.group(1))).isBetween(STOP_AFTER, printed.size());
            }
        }
    }

    private static void awaitLines(Path file, int lines, Process process) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && countLines(file) >= lines) {
                return;
            }
            assertThat(process.isAlive()).as("submit still running").isTrue();
            Thread.sleep(10);
        }
        throw new AssertionError("submit printed fewer than " + lines + " ids in 2 minutes");
    }

    private static long countLines(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long newlines = 0;
        for (byte b : bytes) {
            if (b == '\n') {
                newlines++;
            }
        }
        return newlines;
    }

    /** Takes every job off the intake queue, through the fleet's own transport, and returns their ids. */
    private static Set<String> drainIntake(Map<String, String> env) throws InterruptedException {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        try (Transport transport = Transports.connect(FleetConfig.from(Settings.of(env)));
             Transport.Subscription consumers = transport.subscribe(Stage.DOWNLOAD, 16, delivery -> {
                 ids.add(delivery.job().jobId());
                 delivery.ack();
             })) {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            int seen = -1;
            while (System.nanoTime() < deadline) {
                Thread.sleep(1000);
                if (ids.size() == seen && transport.queueDepths().getOrDefault(Stage.DOWNLOAD, 0L) == 0) {
                    return ids;
                }
                seen = ids.size();
            }
        }
        throw new AssertionError("the intake queue was not drained in 3 minutes; " + ids.size() + " taken");
    }
}
