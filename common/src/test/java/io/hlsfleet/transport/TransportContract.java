package io.hlsfleet.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Intake;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.job.VideoId;
import io.hlsfleet.worker.JobListener;
import io.hlsfleet.worker.RetryPolicy;
import io.hlsfleet.worker.StageWorker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Transport} and {@link Delivery}, written once and run against every
 * implementation by a subclass that says how to connect to its broker and how to empty it.
 * Every test starts from an empty broker, so the tests of one broker may run in any order.
 */
public abstract class TransportContract {

    /** The intake of the workers these tests start; they work on stages past it. */
    private static final Intake INTAKE = new Intake("contract".getBytes(java.nio.charset.StandardCharsets.UTF_8), false);

    /** A new connection to the broker under test; the suite closes every one it opens. */
    protected abstract Transport newTransport();

    /** Empties every queue of the broker under test: work, retries and dead letters. */
    protected abstract void purgeBroker();

    /** The longest a message given back, or abandoned by a dead consumer, may take to return. */
    protected Duration redeliveryTimeout() {
        return Duration.ofSeconds(15);
    }

    /** Checks, beyond the queue depth, that the broker holds nothing more for {@code stage}. */
    protected void assertNothingHeld(Stage stage) {
    }

    /**
     * Makes the broker refuse every dead letter of {@code stage} until the returned handle is
     * closed; skips the test on a transport whose broker cannot refuse.
     */
    protected AutoCloseable refuseDeadLetters(Stage stage) throws Exception {
        Assumptions.abort("this broker cannot be made to refuse a message");
        return null;
    }

    /**
     * What cuts the connections of the transports under test, as a network fault would; skips the
     * test on a transport without connections.
     */
    protected Runnable connectionCutter() {
        Assumptions.abort("this broker has no connections to cut");
        return null;
    }

    private final List<Transport> opened = new CopyOnWriteArrayList<>();
    protected Transport transport;

    @BeforeEach
    void startFromAnEmptyBroker() {
        purgeBroker();
        transport = open();
    }

    @AfterEach
    void closeEverythingOpened() {
        for (Transport each : opened) {
            each.close();
        }
        opened.clear();
        purgeBroker();
    }

    protected final Transport open() {
        Transport opening = newTransport();
        opened.add(opening);
        return opening;
    }

    protected static Job job(Stage stage, String name) {
        Job submitted = Job.submit("https://example.com/contract/" + name + ".mp4", false);
        return stage == Stage.DOWNLOAD ? submitted : submitted.advance(stage, StageOutputs.NONE);
    }

    @Test
    void aFreeConsumerTakesTheHighestPriorityFirstAndHandOffsKeepIt() {
        for (int i = 1; i <= 3; i++) {
            transport.publish(Stage.ENCODE, job(Stage.ENCODE, "low-" + i).withPriority(Priority.LOW));
        }
        transport.publish(Stage.ENCODE, job(Stage.ENCODE, "normal"));
        transport.publish(Stage.ENCODE, job(Stage.ENCODE, "high").withPriority(Priority.HIGH));
        transport.publish(Stage.UPLOAD, job(Stage.UPLOAD, "waiting-upload"));
        List<String> encoded = new CopyOnWriteArrayList<>();
        try (var encode = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            encoded.add(name(delivery.job()));
            if (delivery.job().priority() == Priority.HIGH) {
                delivery.handOff(Stage.UPLOAD, delivery.job().advance(Stage.UPLOAD, StageOutputs.NONE));
            } else {
                delivery.ack();
            }
        })) {
            await().atMost(Duration.ofSeconds(20)).until(() -> encoded.size() == 5);
        }
        assertThat(encoded).containsExactly("high", "normal", "low-1", "low-2", "low-3");
        assertThat(transport.queueDepths()).containsEntry(Stage.ENCODE, 0L).containsEntry(Stage.UPLOAD, 2L);

        // The high job handed on waits in the upload stage's high queue: it goes before the normal
        // job queued there earlier.
        List<String> uploaded = new CopyOnWriteArrayList<>();
        try (var upload = transport.subscribe(Stage.UPLOAD, 1, delivery -> {
            uploaded.add(name(delivery.job()) + ":" + delivery.job().priority().id());
            delivery.ack();
        })) {
            await().atMost(Duration.ofSeconds(20)).until(() -> uploaded.size() == 2);
        }
        assertThat(uploaded).containsExactly("high:high", "waiting-upload:normal");
    }

    @Test
    void aHighJobQueuedBehindTwentyLowOnesIsTakenByTheNextFreeSlot() throws InterruptedException {
        transport.publish(Stage.ENCODE, job(Stage.ENCODE, "running"));
        CountDownLatch finish = new CountDownLatch(1);
        List<String> taken = new CopyOnWriteArrayList<>();
        try (var encode = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            taken.add(name(delivery.job()));
            if (taken.size() == 1) {
                try {
                    finish.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            delivery.ack();
        })) {
            await().atMost(Duration.ofSeconds(20)).until(() -> taken.size() == 1);
            for (int i = 1; i <= 20; i++) {
                transport.publish(Stage.ENCODE, job(Stage.ENCODE, "low-" + i).withPriority(Priority.LOW));
            }
            transport.publish(Stage.ENCODE, job(Stage.ENCODE, "high").withPriority(Priority.HIGH));
            assertThat(taken).as("the only slot is busy").containsExactly("running");
            finish.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> taken.size() == 22);
        }
        assertThat(taken.subList(0, 3)).containsExactly("running", "high", "low-1");
        assertThat(taken.subList(2, 22)).as("low jobs keep their order")
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 20).mapToObj(i -> "low-" + i).toList());
    }

    private static String name(Job job) {
        String url = job.sourceUrl();
        return url.substring(url.lastIndexOf('/') + 1, url.length() - ".mp4".length());
    }

    @Test
    void publishedJobIsDeliveredAndGoneOnceAcked() throws InterruptedException {
        Job job = job(Stage.ENCODE, "acked");
        transport.publish(Stage.ENCODE, job);
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();

        try (var subscription = transport.subscribe(Stage.ENCODE, 2, delivery -> {
            delivery.ack();
            received.add(delivery);
        })) {
            Delivery delivery = received.poll(10, TimeUnit.SECONDS);
            assertThat(delivery).isNotNull();
            assertThat(delivery.job()).isEqualTo(job);
            assertThat(delivery.deliveryCount()).isEqualTo(1);
            assertThat(received.poll(300, TimeUnit.MILLISECONDS)).as("delivered a second time").isNull();
        }

        assertQueueStaysEmpty(Stage.ENCODE);
    }

    @Test
    void bareUrlOnTheIntakeBecomesAJob() throws InterruptedException {
        String url = "https://example.com/clips/intake.mp4";
        transport.publishRaw(Stage.DOWNLOAD, url.getBytes(StandardCharsets.UTF_8));
        BlockingQueue<Job> received = new LinkedBlockingQueue<>();

        try (var subscription = transport.subscribe(Stage.DOWNLOAD, 1, delivery -> {
            delivery.ack();
            received.add(delivery.job());
        })) {
            Job job = received.poll(10, TimeUnit.SECONDS);
            assertThat(job).isNotNull();
            assertThat(job.sourceUrl()).isEqualTo(url);
            assertThat(job.stage()).isEqualTo(Stage.DOWNLOAD);
            assertThat(job.attempt()).isEqualTo(1);
            assertThat(job.videoId()).isEqualTo(VideoId.fromSource(url));
        }
        assertQueueStaysEmpty(Stage.DOWNLOAD);
    }

    @Test
    void malformedBodiesAreDeadLetteredWithTheReasonAndNeverHandled() {
        transport.publishRaw(Stage.DOWNLOAD, "not a job at all".getBytes(StandardCharsets.UTF_8));
        transport.publishRaw(Stage.DOWNLOAD, "{\"jobId\": broken".getBytes(StandardCharsets.UTF_8));
        transport.publishRaw(Stage.ENCODE, "https://example.com/bare-url-off-the-intake.mp4".getBytes(StandardCharsets.UTF_8));
        Job download = job(Stage.DOWNLOAD, "after-junk");
        Job encode = job(Stage.ENCODE, "after-junk");
        transport.publish(Stage.DOWNLOAD, download);
        transport.publish(Stage.ENCODE, encode);
        List<String> handled = new CopyOnWriteArrayList<>();
        Transport.DeliveryHandler handler = ackingInto(handled);

        try (var downloads = transport.subscribe(Stage.DOWNLOAD, 1, handler);
                var encodes = transport.subscribe(Stage.ENCODE, 1, handler)) {
            await("two jobs handled, two dead letters on download and one on encode").atMost(Duration.ofSeconds(10))
                    .until(() -> handled.size() == 2
                            && transport.deadLetters(Stage.DOWNLOAD, 10).size() == 2
                            && transport.deadLetters(Stage.ENCODE, 10).size() == 1);
            await("no more handled jobs or dead letters").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                    .until(() -> handled.size() == 2
                            && transport.deadLetters(Stage.DOWNLOAD, 10).size() == 2
                            && transport.deadLetters(Stage.ENCODE, 10).size() == 1);
        }

        assertThat(handled).containsExactlyInAnyOrder(download.jobId(), encode.jobId());
        List<DeadLetter> letters = transport.deadLetters(Stage.DOWNLOAD, 10);
        assertThat(letters).extracting(DeadLetter::rawBody).containsExactly("not a job at all", "{\"jobId\": broken");
        assertThat(letters).allSatisfy(letter -> {
            assertThat(letter.job()).isNull();
            assertThat(letter.stage()).isEqualTo(Stage.DOWNLOAD);
            assertThat(letter.reason()).startsWith("malformed message");
        });
        DeadLetter offIntake = transport.deadLetters(Stage.ENCODE, 10).getFirst();
        assertThat(offIntake.rawBody()).isEqualTo("https://example.com/bare-url-off-the-intake.mp4");
        assertThat(offIntake.reason()).contains("neither a JSON job nor");
        assertQueueStaysEmpty(Stage.DOWNLOAD);
        assertQueueStaysEmpty(Stage.ENCODE);
    }

    /** Closing a transport stops its consumers gracefully: what they held comes back, uncounted. */
    @Test
    void unsettledDeliveryComesBackWhenItsTransportIsClosed() throws InterruptedException {
        Job job = job(Stage.UPLOAD, "crashed");
        transport.publish(Stage.UPLOAD, job);
        Transport crashing = open();
        CountDownLatch handling = new CountDownLatch(1);
        crashing.subscribe(Stage.UPLOAD, 1, delivery -> {
            handling.countDown();
            sleepUntilInterrupted();
        });
        assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();

        crashing.close();

        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        try (var subscription = open().subscribe(Stage.UPLOAD, 1, delivery -> {
            delivery.ack();
            received.add(delivery);
        })) {
            Delivery again = received.poll(redeliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
            assertThat(again).as("redelivered").isNotNull();
            assertThat(again.job().jobId()).isEqualTo(job.jobId());
            assertThat(again.deliveryCount()).as("a stop is not a crash").isEqualTo(1);
        }
        assertQueueStaysEmpty(Stage.UPLOAD);
    }

    @Test
    void stopLetsHandlersFinishWithinTheGracePeriod() throws InterruptedException {
        transport.publish(Stage.ENCODE, job(Stage.ENCODE, "finishes-in-grace"));
        CountDownLatch handling = new CountDownLatch(1);
        AtomicInteger acked = new AtomicInteger();
        var subscription = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            handling.countDown();
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            delivery.ack();
            acked.incrementAndGet();
        });
        assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();

        subscription.stop(Duration.ofSeconds(10));

        assertThat(acked).hasValue(1);
        assertQueueStaysEmpty(Stage.ENCODE);
    }

    @Test
    void stopGivesBackWhatIsStillUnsettledAfterTheGracePeriod() throws InterruptedException {
        Job job = job(Stage.ENCODE, "outlives-grace");
        transport.publish(Stage.ENCODE, job);
        CountDownLatch handling = new CountDownLatch(1);
        AtomicInteger interrupted = new AtomicInteger();
        var subscription = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            handling.countDown();
            sleepUntilInterrupted();
            interrupted.incrementAndGet();
        });
        assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();

        subscription.stop(Duration.ofMillis(200));

        assertThat(interrupted).as("handler interrupted after the grace period").hasValue(1);
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        try (var again = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            delivery.ack();
            received.add(delivery);
        })) {
            Delivery redelivered = received.poll(redeliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
            assertThat(redelivered).isNotNull();
            assertThat(redelivered.job().jobId()).isEqualTo(job.jobId());
            assertThat(redelivered.deliveryCount()).as("a stop is not a crash").isEqualTo(1);
        }
    }

    @Test
    void handlerThatThrowsGetsTheMessageAgainAndItsConsumerGoesOn() throws InterruptedException {
        Job failing = job(Stage.UPLOAD, "throws-once");
        Job next = job(Stage.UPLOAD, "after-the-throw");
        transport.publish(Stage.UPLOAD, failing);
        transport.publish(Stage.UPLOAD, next);
        Map<String, Integer> acked = new ConcurrentHashMap<>();
        AtomicInteger thrown = new AtomicInteger();

        try (var subscription = transport.subscribe(Stage.UPLOAD, 1, delivery -> {
            if (delivery.job().jobId().equals(failing.jobId()) && thrown.getAndIncrement() == 0) {
                throw new IllegalStateException("handler bug");
            }
            delivery.ack();
            acked.merge(delivery.job().jobId(), delivery.deliveryCount(), Math::max);
        })) {
            await("both jobs acked").atMost(redeliveryTimeout().plusSeconds(5)).until(() -> acked.size() == 2);
        }
        assertThat(acked.get(failing.jobId())).isGreaterThanOrEqualTo(2);
        assertQueueStaysEmpty(Stage.UPLOAD);
    }

    @Test
    void redeliveredJobIsDeadLetteredOnceItExceedsMaxDeliveries() throws InterruptedException {
        Job job = job(Stage.ENCODE, "poison");
        transport.publish(Stage.ENCODE, job);
        // The first delivery ends as a crash does (the handler returns without settling); the
        // second is held, then given back by a graceful stop, which does not count.
        CountDownLatch secondDelivery = new CountDownLatch(1);
        AtomicInteger deliveries = new AtomicInteger();
        var crashing = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            if (deliveries.incrementAndGet() > 1) {
                secondDelivery.countDown();
                sleepUntilInterrupted();
            }
        });
        assertThat(secondDelivery.await(redeliveryTimeout().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        crashing.stop(Duration.ZERO);
        AtomicInteger processed = new AtomicInteger();

        try (StageWorker worker = encodeWorkerWithPoisonLimitOfOne(processed)) {
            await("a dead letter on the encode stage").atMost(redeliveryTimeout())
                    .until(() -> !transport.deadLetters(Stage.ENCODE, 10).isEmpty());
        }

        DeadLetter letter = transport.deadLetters(Stage.ENCODE, 10).getFirst();
        assertThat(letter.job().jobId()).isEqualTo(job.jobId());
        assertThat(letter.reason()).contains("delivered").contains("times");
        assertThat(processed).as("poison never reaches the stage").hasValue(0);
        assertQueueStaysEmpty(Stage.ENCODE);
        assertQueueStaysEmpty(Stage.UPLOAD);
    }

    @Test
    void aRetryComesBackAtItsPriorityAheadOfNormalJobs() {
        Job high = job(Stage.ENCODE, "high").withPriority(Priority.HIGH);
        transport.publish(Stage.ENCODE, high);
        List<String> taken = new CopyOnWriteArrayList<>();
        try (var encode = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            Job job = delivery.job();
            taken.add(name(job) + "#" + job.attempt());
            if (job.priority() == Priority.HIGH && job.attempt() == 1) {
                // While the retry waits out its delay, a backlog of normal jobs arrives.
                for (int i = 1; i <= 5; i++) {
                    transport.publish(Stage.ENCODE, job(Stage.ENCODE, "normal-" + i));
                }
                delivery.retryLater(job.nextAttempt(), Duration.ofMillis(200));
                return;
            }
            if (job.priority() == Priority.NORMAL && !taken.contains("high#2")) {
                // A normal job taken before the retry is back runs until the retry is queued
                // again, beside four normal jobs.
                await().atMost(Duration.ofSeconds(10)).until(() -> transport.queueDepths().get(Stage.ENCODE) == 5);
            }
            delivery.ack();
        })) {
            await().atMost(Duration.ofSeconds(20)).until(() -> taken.size() == 7);
        }
        assertThat(taken.getFirst()).isEqualTo("high#1");
        assertThat(taken.indexOf("high#2")).as("the retry overtakes the normal jobs still waiting: %s", taken)
                .isBetween(1, 2).isLessThan(taken.indexOf("normal-2#1"));
    }

    @Test
    void retryLaterComesBackAfterTheDelayAndNotBefore() throws InterruptedException {
        Duration delay = Duration.ofMillis(1500);
        Job job = job(Stage.DOWNLOAD, "retried");
        transport.publish(Stage.DOWNLOAD, job);
        AtomicLong retriedAt = new AtomicLong();
        BlockingQueue<Delivery> retries = new LinkedBlockingQueue<>();
        BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();

        try (var subscription = transport.subscribe(Stage.DOWNLOAD, 2, delivery -> {
            long now = System.nanoTime();
            if (delivery.job().attempt() == 1) {
                retriedAt.set(System.nanoTime());
                delivery.retryLater(delivery.job().nextAttempt(), delay);
            } else {
                delivery.ack();
                arrivals.add(now);
                retries.add(delivery);
            }
        })) {
            Delivery retry = retries.poll(delay.plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(retry).as("retry delivered").isNotNull();
            long waited = arrivals.take() - retriedAt.get();
            assertThat(Duration.ofNanos(waited)).isGreaterThanOrEqualTo(delay);
            assertThat(retry.job().jobId()).isEqualTo(job.jobId());
            assertThat(retry.job().attempt()).isEqualTo(2);
            assertThat(retry.deliveryCount()).as("a retry is a new message, not a redelivery").isEqualTo(1);
        }
        assertQueueStaysEmpty(Stage.DOWNLOAD);
    }

    @Test
    void deadLettersCanBeListedRequeuedAndPurged() throws InterruptedException {
        List<Job> jobs = List.of(job(Stage.UPLOAD, "dead-1"), job(Stage.UPLOAD, "dead-2"), job(Stage.UPLOAD, "dead-3"));
        jobs.forEach(job -> transport.publish(Stage.UPLOAD, job));
        try (var subscription = transport.subscribe(Stage.UPLOAD, 1, delivery ->
                delivery.deadLetter(DeadLetter.of(delivery.job(), JobFailure.permanent("bucket refused it"))))) {
            await("three dead letters on the upload stage").atMost(Duration.ofSeconds(10))
                    .until(() -> transport.deadLetters(Stage.UPLOAD, 10).size() == 3);
        }

        List<DeadLetter> letters = transport.deadLetters(Stage.UPLOAD, 10);
        assertThat(letters).extracting(DeadLetter::jobId).containsExactlyElementsOf(jobs.stream().map(Job::jobId).toList());
        assertThat(letters).extracting(DeadLetter::reason).containsOnly("bucket refused it");
        assertThat(transport.deadLetters(Stage.UPLOAD, 2)).hasSize(2);
        assertThat(transport.deadLetters(Stage.UPLOAD, 10)).as("listing removes nothing").hasSize(3);

        Job second = jobs.get(1);
        assertThat(transport.requeueDeadLetters(Stage.UPLOAD, List.of(second.jobId()))).isEqualTo(1);
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        try (var subscription = transport.subscribe(Stage.UPLOAD, 1, delivery -> {
            delivery.ack();
            received.add(delivery);
        })) {
            Delivery requeued = received.poll(10, TimeUnit.SECONDS);
            assertThat(requeued).isNotNull();
            assertThat(requeued.job().jobId()).isEqualTo(second.jobId());
            assertThat(requeued.job().attempt()).isEqualTo(1);
            assertThat(received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
        assertThat(transport.deadLetters(Stage.UPLOAD, 10)).extracting(DeadLetter::jobId)
                .containsExactly(jobs.get(0).jobId(), jobs.get(2).jobId());

        assertThat(transport.purgeDeadLetters(Stage.UPLOAD)).isEqualTo(2);
        assertThat(transport.deadLetters(Stage.UPLOAD, 10)).isEmpty();
        assertThat(transport.requeueDeadLetters(Stage.UPLOAD, List.of())).isZero();
        assertQueueStaysEmpty(Stage.UPLOAD);
    }

    /**
     * Many consumers racing over one queue: nothing lost, nothing left behind. The run has no
     * faults, so each message must also be handled exactly once; a duplicate here would mean a
     * live consumer's message was given to another one.
     */
    @Test
    void tenThousandMessagesThroughConcurrentConsumers() throws InterruptedException {
        int count = 10_000;
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            jobs.add(job(Stage.ENCODE, "bulk-" + i));
        }
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        var subscription = transport.subscribe(Stage.ENCODE, 16, delivery -> {
            handled.computeIfAbsent(delivery.job().jobId(), id -> new AtomicInteger()).incrementAndGet();
            delivery.ack();
        });
        try {
            publishInParallel(jobs, 8);
            await("every published job handled").atMost(Duration.ofMinutes(2)).until(() -> handled.size() == count);
        } finally {
            subscription.stop(Duration.ofSeconds(10));
        }

        Set<String> published = new HashSet<>(jobs.stream().map(Job::jobId).toList());
        assertThat(handled.keySet()).isEqualTo(published);
        assertThat(handled.values()).extracting(AtomicInteger::get).containsOnly(1);
        assertQueueStaysEmpty(Stage.ENCODE);
        assertThat(transport.deadLetters(Stage.ENCODE, 10)).isEmpty();
    }

    @Test
    void bodyLargerThanAJobIsDeadLetteredWithItsBeginningOnly() {
        String huge = "x".repeat(300 * 1024);
        transport.publishRaw(Stage.DOWNLOAD, huge.getBytes(StandardCharsets.UTF_8));
        List<String> handled = new CopyOnWriteArrayList<>();

        try (var subscription = transport.subscribe(Stage.DOWNLOAD, 1, delivery -> {
            delivery.ack();
            handled.add(delivery.job().jobId());
        })) {
            await("one dead letter on the download stage").atMost(Duration.ofSeconds(10))
                    .until(() -> transport.deadLetters(Stage.DOWNLOAD, 10).size() == 1);
        }

        DeadLetter letter = transport.deadLetters(Stage.DOWNLOAD, 10).getFirst();
        assertThat(handled).isEmpty();
        assertThat(letter.reason()).contains("larger than " + JobCodec.MAX_BODY);
        assertThat(letter.rawBody()).startsWith("xxxx").hasSizeLessThanOrEqualTo(DeadLetter.RAW_BODY_LIMIT + 3);
        assertQueueStaysEmpty(Stage.DOWNLOAD);
    }

    /**
     * A dead letter the broker refused settled nothing: the handler still holds the delivery and
     * can settle it otherwise. (Before, the delivery counted as settled, and a RabbitMQ consumer
     * kept the message unacked until its consumer timeout.)
     */
    @Test
    void outcomeTheBrokerRefusedLeavesTheDeliveryUnsettled() throws Exception {
        transport.publish(Stage.UPLOAD, job(Stage.UPLOAD, "refused-dead-letter"));
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        CountDownLatch acked = new CountDownLatch(1);

        try (AutoCloseable refusing = refuseDeadLetters(Stage.UPLOAD);
                var subscription = transport.subscribe(Stage.UPLOAD, 1, delivery -> {
                    try {
                        delivery.deadLetter(DeadLetter.of(delivery.job(), JobFailure.permanent("refused")));
                    } catch (TransportException e) {
                        refused.add(e);
                    }
                    delivery.ack();
                    acked.countDown();
                })) {
            assertThat(acked.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertQueueStaysEmpty(Stage.UPLOAD);
        assertThat(refused).hasSize(1);
        assertThat(transport.deadLetters(Stage.UPLOAD, 10)).isEmpty();
    }

    /** A handler that lets the refusal escape leaves the delivery unsettled: it is given back at once. */
    @Test
    void deliveryWhoseOutcomeWasRefusedIsGivenBackAtOnce() throws Exception {
        Job job = job(Stage.UPLOAD, "refused-then-retried");
        transport.publish(Stage.UPLOAD, job);
        BlockingQueue<Delivery> again = new LinkedBlockingQueue<>();
        AtomicInteger seen = new AtomicInteger();

        try (AutoCloseable refusing = refuseDeadLetters(Stage.UPLOAD);
                var subscription = transport.subscribe(Stage.UPLOAD, 1, delivery -> {
                    if (seen.incrementAndGet() == 1) {
                        delivery.deadLetter(DeadLetter.of(delivery.job(), JobFailure.permanent("refused")));
                    }
                    delivery.ack();
                    again.add(delivery);
                })) {
            Delivery redelivered = again.poll(redeliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
            assertThat(redelivered).as("given back after the refusal").isNotNull();
            assertThat(redelivered.job().jobId()).isEqualTo(job.jobId());
            assertThat(redelivered.deliveryCount()).isGreaterThanOrEqualTo(2);
        }
        assertQueueStaysEmpty(Stage.UPLOAD);
    }

    @Test
    void deadLettersListedTwentyFiveTimesStayInTheirOrder() {
        List<Job> jobs = List.of(job(Stage.ENCODE, "listed-1"), job(Stage.ENCODE, "listed-2"));
        jobs.forEach(job -> transport.publish(Stage.ENCODE, job));
        try (var subscription = transport.subscribe(Stage.ENCODE, 1, delivery ->
                delivery.deadLetter(DeadLetter.of(delivery.job(), JobFailure.permanent("kept"))))) {
            await("two dead letters on the encode stage").atMost(Duration.ofSeconds(10))
                    .until(() -> transport.deadLetters(Stage.ENCODE, 10).size() == 2);
        }

        for (int i = 0; i < 25; i++) {
            assertThat(transport.deadLetters(Stage.ENCODE, 10)).extracting(DeadLetter::jobId)
                    .as("listing %d", i + 1).containsExactly(jobs.get(0).jobId(), jobs.get(1).jobId());
        }

        assertThat(transport.removeDeadLetters(Stage.ENCODE, List.of(jobs.get(0).jobId()))).isEqualTo(1);
        assertThat(transport.deadLetters(Stage.ENCODE, 10)).extracting(DeadLetter::jobId)
                .containsExactly(jobs.get(1).jobId());
        assertQueueStaysEmpty(Stage.ENCODE);
    }

    /** Six graceful stops in a row (rolling deploys, scale-ins) leave the delivery count at one. */
    @Test
    void gracefulReleasesAreNotCountedAsDeliveries() throws InterruptedException {
        Job job = job(Stage.ENCODE, "released-six-times");
        transport.publish(Stage.ENCODE, job);
        for (int stop = 1; stop <= 6; stop++) {
            BlockingQueue<Integer> counts = new LinkedBlockingQueue<>();
            var subscription = transport.subscribe(Stage.ENCODE, 1, delivery -> {
                counts.add(delivery.deliveryCount());
                sleepUntilInterrupted();
            });
            Integer count = counts.poll(redeliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
            subscription.stop(Duration.ZERO);
            assertThat(count).as("delivery count after %d graceful stops", stop - 1).isEqualTo(1);
        }
        AtomicInteger processed = new AtomicInteger();

        try (StageWorker worker = encodeWorkerWithPoisonLimitOfOne(processed)) {
            await("the job back on the upload queue").atMost(redeliveryTimeout())
                    .until(() -> transport.queueDepths().get(Stage.UPLOAD) == 1L);
        }
        assertThat(processed).hasValue(1);
        assertThat(transport.deadLetters(Stage.ENCODE, 10)).as("not poison").isEmpty();
    }

    /**
     * A stage whose output was confirmed but whose input could not be acked (its connection cut
     * in between) is done: the input may come back as a duplicate, but it is never retried as a
     * failed attempt nor dead-lettered.
     */
    @Test
    void handedOnInputIsNeverRetriedWhenItsAckFails() throws Exception {
        Job job = job(Stage.ENCODE, "ack-lost");
        transport.publish(Stage.ENCODE, job);
        Runnable cutConnections = connectionCutter();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        AtomicInteger cuts = new AtomicInteger();
        RetryPolicy quickRetry = new RetryPolicy(List.of(Duration.ofSeconds(1)), 3, 5);

        try (StageWorker worker = new StageWorker(Stage.ENCODE, (j, context) -> {
            attempts.add(j.attempt());
            if (cuts.getAndIncrement() == 0) {
                cutConnections.run();
            }
            return StageOutputs.NONE;
        }, transport, quickRetry, JobListener.NONE, new SimpleMeterRegistry(), INTAKE).start(1)) {
            await("the job on the upload queue").atMost(redeliveryTimeout().plusSeconds(10))
                    .until(() -> transport.queueDepths().get(Stage.UPLOAD) >= 1L);
            // Long enough for a retry after the 1 s backoff to show up.
            await("an empty encode queue").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20))
                    .until(() -> transport.queueDepths().get(Stage.ENCODE) == 0L);
        }
        assertThat(attempts).as("attempts seen by the stage").containsOnly(1);
        assertThat(transport.deadLetters(Stage.ENCODE, 10)).isEmpty();
    }

    private void publishInParallel(List<Job> jobs, int publishers) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int p = 0; p < publishers; p++) {
            int first = p;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = first; i < jobs.size(); i += publishers) {
                        transport.publish(jobs.get(i).stage(), jobs.get(i));
                    }
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread thread : threads) {
            assertThat(thread.join(Duration.ofMinutes(2))).as("a publisher thread finished within 2 minutes").isTrue();
        }
        assertThat(failures).isEmpty();
    }

    /** The stage's queue is empty and stays so: nothing waiting, nothing coming back. */
    protected void assertQueueStaysEmpty(Stage stage) {
        await("an empty queue").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> transport.queueDepths().get(stage) == 0L);
        assertNothingHeld(stage);
    }

    /** An encode worker that counts what it processes and takes a second delivery for poison. */
    private StageWorker encodeWorkerWithPoisonLimitOfOne(AtomicInteger processed) {
        RetryPolicy oneDelivery = new RetryPolicy(List.of(Duration.ofSeconds(1)), 3, 1);
        return new StageWorker(Stage.ENCODE, (j, context) -> {
            processed.incrementAndGet();
            return StageOutputs.NONE;
        }, transport, oneDelivery, JobListener.NONE, new SimpleMeterRegistry(), INTAKE).start(1);
    }

    /** A handler that acks each delivery and notes its job id. */
    protected static Transport.DeliveryHandler ackingInto(List<String> handled) {
        return delivery -> {
            delivery.ack();
            handled.add(delivery.job().jobId());
        };
    }

    /** A handler that never settles: it returns, unsettled, only when interrupted. */
    protected static void sleepUntilInterrupted() {
        try {
            Thread.sleep(Duration.ofMinutes(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
