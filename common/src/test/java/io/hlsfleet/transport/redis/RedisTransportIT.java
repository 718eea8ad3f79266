package io.hlsfleet.transport.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.transport.Delivery;
import io.hlsfleet.transport.QueueStats;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.TransportContract;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;

/**
 * The contract against the Redis named by {@link Brokers}, plus what only Redis needs: leases,
 * takeover of abandoned entries, and recovery from cut connections and lost data. Each test uses
 * keys under a prefix of its own, deleted afterwards.
 */
class RedisTransportIT extends TransportContract {

    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(300);

    private final String prefix = "hlsfleet-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final RedisKeys keys = new RedisKeys(prefix);
    private RedisClient redis;

    @BeforeEach
    void connectRawClient() {
        redis = RedisClient.create(URI.create(Brokers.redisUrl()));
    }

    @AfterEach
    void closeRawClient() {
        redis.close();
    }

    @Override
    protected Transport newTransport() {
        return new RedisTransport(new RedisTransport.Settings(Brokers.redisUrl(), prefix, LEASE, POLL));
    }

    @Override
    protected void purgeBroker() {
        try (RedisClient client = RedisClient.create(URI.create(Brokers.redisUrl()))) {
            for (Stage stage : Stage.values()) {
                client.del(keys.dead(stage));
                for (Priority priority : Priority.values()) {
                    client.del(keys.stream(stage, priority), keys.delayed(stage, priority), keys.alive(stage, priority));
                }
            }
        }
    }

    @Override
    protected Duration redeliveryTimeout() {
        return LEASE.plusSeconds(5);
    }

    /** Acked entries are deleted, not just acked: the stream ends empty, with nothing pending. */
    @Override
    protected void assertNothingHeld(Stage stage) {
        assertThat(redis.xlen(keys.stream(stage))).as("entries left in " + keys.stream(stage)).isZero();
        assertThat(redis.zcard(keys.delayed(stage))).isZero();
    }

    /** A dead-letter key of the wrong type: every push onto it fails, as a refusing broker would. */
    @Override
    protected AutoCloseable refuseDeadLetters(Stage stage) {
        redis.set(keys.dead(stage), "not a list");
        return () -> redis.del(keys.dead(stage));
    }

    @Override
    protected Runnable connectionCutter() {
        return () -> killClients(prefix + "-" + ProcessHandle.current().pid());
    }

    @Test
    void theIntakeIsTheDownloadStreamUnderTheFleetPrefix() {
        assertThat(new RedisKeys("hlsfleet").stream(Stage.DOWNLOAD)).isEqualTo("hlsfleet:download");
        assertThat(RedisTransport.Settings.defaults("redis://localhost:6379").keyPrefix()).isEqualTo("hlsfleet");
    }

    @Test
    void entryAddedWithXaddAsDocumentedIsConsumed() throws InterruptedException {
        String url = "https://example.com/clips/from-redis-cli.mp4";
        redis.xadd(keys.stream(Stage.DOWNLOAD), StreamEntryID.NEW_ENTRY, Map.of("body", url));

        Delivery delivery = receiveOne(transport, Stage.DOWNLOAD, Duration.ofSeconds(10));

        assertThat(delivery.job().sourceUrl()).isEqualTo(url);
        assertQueueStaysEmpty(Stage.DOWNLOAD);
    }

    @Test
    void entryWithoutABodyFieldIsDeadLettered() {
        redis.xadd(keys.stream(Stage.DOWNLOAD), StreamEntryID.NEW_ENTRY, Map.of("url", "https://example.com/a.mp4"));
        List<String> handled = new CopyOnWriteArrayList<>();

        try (var subscription = transport.subscribe(Stage.DOWNLOAD, 1, delivery -> {
            delivery.ack();
            handled.add(delivery.job().jobId());
        })) {
            await("one dead letter on the download stage").atMost(Duration.ofSeconds(10))
                    .until(() -> transport.deadLetters(Stage.DOWNLOAD, 10).size() == 1);
        }

        assertThat(handled).isEmpty();
        assertThat(transport.deadLetters(Stage.DOWNLOAD, 10).getFirst().reason()).contains("no 'body' field");
        assertQueueStaysEmpty(Stage.DOWNLOAD);
    }

    @Test
    void entryAbandonedByADeadConsumerIsTakenOverAfterTheLease() throws InterruptedException {
        Job job = job(Stage.ENCODE, "abandoned");
        transport.publish(Stage.ENCODE, job);
        var read = redis.xreadGroupAsMap(RedisKeys.GROUP, "crashed-worker", XReadGroupParams.xReadGroupParams().count(1),
                Map.of(keys.stream(Stage.ENCODE), StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        assertThat(read.get(keys.stream(Stage.ENCODE))).hasSize(1);
        long start = System.nanoTime();

        Delivery delivery = receiveOne(transport, Stage.ENCODE, redeliveryTimeout());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(LEASE.minusMillis(100));
        assertThat(delivery.job().jobId()).isEqualTo(job.jobId());
        assertThat(delivery.deliveryCount()).isEqualTo(2);
        assertQueueStaysEmpty(Stage.ENCODE);
    }

    @Test
    void handlerRunningLongerThanSeveralLeasesKeepsItsEntry() throws InterruptedException {
        transport.publish(Stage.ENCODE, job(Stage.ENCODE, "long-encode"));
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        Transport.DeliveryHandler slow = delivery -> {
            received.add(delivery);
            try {
                Thread.sleep(LEASE.multipliedBy(3));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            delivery.ack();
        };

        try (var first = transport.subscribe(Stage.ENCODE, 1, slow);
                var rival = open().subscribe(Stage.ENCODE, 1, slow)) {
            assertThat(received.poll(10, TimeUnit.SECONDS)).isNotNull();
            assertThat(received.poll(LEASE.multipliedBy(3).plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS))
                    .as("taken from a live consumer").isNull();
        }
        assertQueueStaysEmpty(Stage.ENCODE);
    }

    @Test
    void consumersRecoverWhenTheirConnectionsAreCut() throws InterruptedException {
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        try (var subscription = transport.subscribe(Stage.UPLOAD, 2, delivery -> {
            delivery.ack();
            received.add(delivery);
        })) {
            Thread.sleep(POLL.multipliedBy(2));
            killClients(prefix + "-" + ProcessHandle.current().pid());

            Job job = job(Stage.UPLOAD, "after-cut");
            transport.publish(Stage.UPLOAD, job);

            Delivery delivery = received.poll(15, TimeUnit.SECONDS);
            assertThat(delivery).isNotNull();
            assertThat(delivery.job().jobId()).isEqualTo(job.jobId());
        }
        assertQueueStaysEmpty(Stage.UPLOAD);
    }

    @Test
    void consumersRecoverWhenRedisLosesTheStreamAndItsGroup() throws InterruptedException {
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        try (var subscription = transport.subscribe(Stage.UPLOAD, 2, delivery -> {
            delivery.ack();
            received.add(delivery);
        })) {
            Thread.sleep(POLL.multipliedBy(2));
            redis.del(keys.stream(Stage.UPLOAD));

            Job job = job(Stage.UPLOAD, "after-data-loss");
            transport.publish(Stage.UPLOAD, job);

            Delivery delivery = received.poll(15, TimeUnit.SECONDS);
            assertThat(delivery).isNotNull();
            assertThat(delivery.job().jobId()).isEqualTo(job.jobId());
        }
        assertQueueStaysEmpty(Stage.UPLOAD);
    }

    /** An entry far larger than a job is dead-lettered inside Redis, also when claimed from a dead consumer. */
    @Test
    void oversizeEntriesAreDeadLetteredWithoutBeingRead() {
        String huge = "y".repeat(2 * 1024 * 1024);
        redis.xadd(keys.stream(Stage.DOWNLOAD), StreamEntryID.NEW_ENTRY, Map.of("body", huge));
        redis.xadd(keys.stream(Stage.ENCODE), StreamEntryID.NEW_ENTRY, Map.of("body", huge));
        redis.xreadGroupAsMap(RedisKeys.GROUP, "crashed-worker", XReadGroupParams.xReadGroupParams().count(1),
                Map.of(keys.stream(Stage.ENCODE), StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        List<String> handled = new CopyOnWriteArrayList<>();
        Transport.DeliveryHandler handler = ackingInto(handled);

        try (var downloads = transport.subscribe(Stage.DOWNLOAD, 1, handler);
                var encodes = transport.subscribe(Stage.ENCODE, 1, handler)) {
            await("a dead letter on download and on encode").atMost(redeliveryTimeout())
                    .until(() -> transport.deadLetters(Stage.DOWNLOAD, 1).size() == 1
                            && transport.deadLetters(Stage.ENCODE, 1).size() == 1);
        }

        assertThat(handled).isEmpty();
        for (Stage stage : List.of(Stage.DOWNLOAD, Stage.ENCODE)) {
            DeadLetter letter = transport.deadLetters(stage, 1).getFirst();
            assertThat(letter.reason()).contains("of " + (huge.length() + 4) + " bytes").contains("was not read");
            assertThat(letter.rawBody()).startsWith("yyyy").hasSizeLessThanOrEqualTo(DeadLetter.RAW_BODY_LIMIT + 3);
            assertQueueStaysEmpty(stage);
        }
    }

    /**
     * An entry deleted while pending with a dead consumer is acked when claimed, on Redis 6.2
     * (where XAUTOCLAIM answers nil and leaves it pending) as on 7.x.
     */
    @Test
    void entryDeletedWhilePendingDoesNotStayPending() {
        transport.publish(Stage.UPLOAD, job(Stage.UPLOAD, "deleted-while-pending"));
        var read = redis.xreadGroupAsMap(RedisKeys.GROUP, "crashed-worker", XReadGroupParams.xReadGroupParams().count(1),
                Map.of(keys.stream(Stage.UPLOAD), StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        redis.xdel(keys.stream(Stage.UPLOAD), read.get(keys.stream(Stage.UPLOAD)).getFirst().getID());
        assertThat(pendingCount(Stage.UPLOAD)).isEqualTo(1);
        List<String> handled = new CopyOnWriteArrayList<>();

        try (var subscription = transport.subscribe(Stage.UPLOAD, 1, delivery -> {
            delivery.ack();
            handled.add(delivery.job().jobId());
        })) {
            await("no pending upload entry").atMost(redeliveryTimeout()).until(() -> pendingCount(Stage.UPLOAD) == 0);
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void consumersOfKilledWorkersAreRemovedOnceTheyHoldNothing() {
        Job job = job(Stage.ENCODE, "left-by-a-killed-worker");
        transport.publish(Stage.ENCODE, job);
        redis.xreadGroupAsMap(RedisKeys.GROUP, "killed-worker", XReadGroupParams.xReadGroupParams().count(1),
                Map.of(keys.stream(Stage.ENCODE), StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        List<String> handled = new CopyOnWriteArrayList<>();

        try (var subscription = transport.subscribe(Stage.ENCODE, 2, delivery -> {
            delivery.ack();
            handled.add(delivery.job().jobId());
        })) {
            await("the job handled by the new worker").atMost(redeliveryTimeout()).until(() -> handled.size() == 1);
            assertThat(consumerNames(Stage.ENCODE)).contains("killed-worker");
            await("the killed worker's consumer removed").atMost(LEASE.multipliedBy(6).plusSeconds(5))
                    .until(() -> !consumerNames(Stage.ENCODE).contains("killed-worker"));
            // Redis lists a consumer once it has taken an entry; the one that took the job over stays.
            assertThat(consumerNames(Stage.ENCODE)).as("live consumers stay").isNotEmpty()
                    .allMatch(name -> name.startsWith(prefix));
        }
        assertThat(handled).containsExactly(job.jobId());
    }

    @Test
    void deadLetterListKeepsTheNewestUpToItsCap() {
        Transport capped = new RedisTransport(new RedisTransport.Settings(Brokers.redisUrl(), prefix, LEASE, POLL, 3));
        try {
            for (int i = 1; i <= 5; i++) {
                capped.publish(Stage.UPLOAD, job(Stage.UPLOAD, "capped-" + i));
            }
            try (var subscription = capped.subscribe(Stage.UPLOAD, 1, delivery ->
                    delivery.deadLetter(DeadLetter.of(delivery.job(), JobFailure.permanent("capped"))))) {
                await("an empty upload stream").atMost(Duration.ofSeconds(10))
                        .until(() -> capped.queueDepths().get(Stage.UPLOAD) == 0L
                                && redis.xlen(keys.stream(Stage.UPLOAD)) == 0);
            }
            assertThat(capped.deadLetters(Stage.UPLOAD, 10)).extracting(letter -> letter.job().sourceUrl())
                    .containsExactly(job(Stage.UPLOAD, "capped-3").sourceUrl(), job(Stage.UPLOAD, "capped-4").sourceUrl(),
                            job(Stage.UPLOAD, "capped-5").sourceUrl());
        } finally {
            capped.close();
        }
    }

    /** Ready, unacked, dead letters and the oldest waiting entry, as the RabbitMQ gauges have them. */
    @Test
    void queueStatsTellReadyUnackedDeadAndOldest() throws InterruptedException {
        Instant before = Instant.now().minusSeconds(1);
        List<Job> jobs = List.of(job(Stage.ENCODE, "stats-1"), job(Stage.ENCODE, "stats-2"), job(Stage.ENCODE, "stats-3"));
        jobs.forEach(job -> transport.publish(Stage.ENCODE, job));
        QueueStats stats = (QueueStats) transport;
        assertThat(stats.snapshot().get(Stage.ENCODE)).satisfies(snapshot -> {
            assertThat(snapshot.ready()).isEqualTo(3);
            assertThat(snapshot.unacked()).isZero();
            assertThat(snapshot.oldestQueuedAt()).isBetween(before, Instant.now());
        });
        CountDownLatch holding = new CountDownLatch(1);

        try (var subscription = transport.subscribe(Stage.ENCODE, 1, delivery -> {
            if (delivery.job().jobId().equals(jobs.get(0).jobId())) {
                delivery.deadLetter(DeadLetter.of(delivery.job(), JobFailure.permanent("counted")));
                return;
            }
            holding.countDown();
            sleepUntilInterrupted();
        })) {
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            QueueStats.Snapshot snapshot = stats.snapshot().get(Stage.ENCODE);
            assertThat(snapshot.ready()).isEqualTo(1);
            assertThat(snapshot.unacked()).isEqualTo(1);
            assertThat(snapshot.deadLetters()).isEqualTo(1);
            assertThat(snapshot.oldestQueuedAt()).isBetween(before, Instant.now());
        }
    }

    private long pendingCount(Stage stage) {
        return redis.xpending(keys.stream(stage), RedisKeys.GROUP).getTotal();
    }

    private List<String> consumerNames(Stage stage) {
        return redis.xinfoConsumers2(keys.stream(stage), RedisKeys.GROUP).stream()
                .map(consumer -> consumer.getName()).toList();
    }

    /** Closes the named connections from the server side, as a restart or a network cut would. */
    private void killClients(String name) {
        Object list = redis.sendCommand(Protocol.Command.CLIENT, "LIST");
        String clients = list instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(list);
        int killed = 0;
        for (String line : clients.split("\n")) {
            if (line.contains(" name=" + name + " ")) {
                String id = line.substring(line.indexOf("id=") + 3, line.indexOf(' ', line.indexOf("id=")));
                redis.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", id);
                killed++;
            }
        }
        assertThat(killed).as("connections of the transport under test").isPositive();
    }

    private static Delivery receiveOne(Transport transport, Stage stage, Duration timeout) throws InterruptedException {
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        try (var subscription = transport.subscribe(stage, 1, delivery -> {
            delivery.ack();
            received.add(delivery);
        })) {
            Delivery delivery = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(delivery).as("delivered within " + timeout).isNotNull();
            return delivery;
        }
    }
}
