package io.hlsfleet.transport;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Queues in this process's memory, for {@code hlsfleet run} and fast tests. Messages are kept
 * encoded, exactly as a broker would keep them, so the codec is exercised the same way; nothing
 * survives the process.
 */
public final class InMemoryTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(InMemoryTransport.class);

    private final Map<Stage, BlockingDeque<Message>> ready = new EnumMap<>(Stage.class);
    private final Map<Stage, List<DeadLetter>> dead = new EnumMap<>(Stage.class);
    private final List<InMemorySubscription> subscriptions = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hlsfleet-delayed-retries").factory());

    public InMemoryTransport() {
        for (Stage stage : Stage.values()) {
            ready.put(stage, new LinkedBlockingDeque<>());
            dead.put(stage, new CopyOnWriteArrayList<>());
        }
    }

    @Override
    public void publish(Stage stage, Job job) {
        publishRaw(stage, JobCodec.encode(job));
    }

    @Override
    public void publishRaw(Stage stage, byte[] body) {
        ready.get(stage).addLast(new Message(body, 0));
    }

    @Override
    public Subscription subscribe(Stage stage, int concurrency, DeliveryHandler handler) {
        InMemorySubscription subscription = new InMemorySubscription(stage, concurrency, handler);
        subscriptions.add(subscription);
        return subscription;
    }

    @Override
    public Map<Stage, Long> queueDepths() {
        Map<Stage, Long> depths = new EnumMap<>(Stage.class);
        ready.forEach((stage, queue) -> depths.put(stage, (long) queue.size()));
        return depths;
    }

    @Override
    public List<DeadLetter> deadLetters(Stage stage, int limit) {
        return dead.get(stage).stream().limit(limit).toList();
    }

    @Override
    public int requeueDeadLetters(Stage stage, List<String> jobIds) {
        int requeued = 0;
        for (DeadLetter letter : new ArrayList<>(dead.get(stage))) {
            if (letter.job() != null && (jobIds.isEmpty() || jobIds.contains(letter.jobId()))) {
                dead.get(stage).remove(letter);
                publish(stage, letter.job().firstAttempt());
                requeued++;
            }
        }
        return requeued;
    }

    @Override
    public int purgeDeadLetters(Stage stage) {
        int count = dead.get(stage).size();
        dead.get(stage).clear();
        return count;
    }

    @Override
    public void close() {
        subscriptions.forEach(s -> s.stop(Duration.ZERO));
        timer.shutdownNow();
    }

    private record Message(byte[] body, int deliveries) {
    }

    private final class InMemorySubscription implements Subscription {

        private final Stage stage;
        private final DeliveryHandler handler;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> consumers = new ArrayList<>();
        private final Map<InMemoryDelivery, Boolean> inFlight = new ConcurrentHashMap<>();

        InMemorySubscription(Stage stage, int concurrency, DeliveryHandler handler) {
            this.stage = stage;
            this.handler = handler;
            for (int i = 0; i < concurrency; i++) {
                consumers.add(Thread.ofVirtual().name("hlsfleet-" + stage.id() + "-", i).start(this::consume));
            }
        }

        private void consume() {
            BlockingDeque<Message> queue = ready.get(stage);
            while (running.get()) {
                Message message;
                try {
                    message = queue.pollFirst(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (message == null) {
                    continue;
                }
                Message delivered = new Message(message.body(), message.deliveries() + 1);
                Job job;
                try {
                    job = JobCodec.decode(delivered.body(), stage);
                } catch (JobCodec.MalformedJobException e) {
                    dead.get(stage).add(DeadLetter.unreadable(stage, new String(delivered.body(),
                            java.nio.charset.StandardCharsets.UTF_8), e));
                    continue;
                }
                InMemoryDelivery delivery = new InMemoryDelivery(stage, delivered, job);
                inFlight.put(delivery, Boolean.TRUE);
                try {
                    handler.handle(delivery);
                } catch (RuntimeException e) {
                    log.error("handler for {} failed without settling job {}; giving it back", stage.id(),
                            job.jobId(), e);
                } finally {
                    inFlight.remove(delivery);
                    // A handler that returns (or throws) without settling gives the message back,
                    // as a broker does when a consumer's channel closes.
                    delivery.release();
                }
            }
        }

        @Override
        public void stop(Duration grace) {
            running.set(false);
            long deadline = System.nanoTime() + grace.toNanos();
            for (Thread consumer : consumers) {
                long left = deadline - System.nanoTime();
                try {
                    if (left <= 0 || !consumer.join(Duration.ofNanos(left))) {
                        consumer.interrupt();
                        consumer.join(Duration.ofSeconds(30));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            inFlight.keySet().forEach(InMemoryDelivery::release);
            subscriptions.remove(this);
        }
    }

    private final class InMemoryDelivery implements Delivery {

        private final Stage stage;
        private final Message message;
        private final Job job;
        private final AtomicBoolean settled = new AtomicBoolean();

        InMemoryDelivery(Stage stage, Message message, Job job) {
            this.stage = stage;
            this.message = message;
            this.job = job;
        }

        @Override
        public Job job() {
            return job;
        }

        @Override
        public int deliveryCount() {
            return message.deliveries();
        }

        @Override
        public void ack() {
            settled.set(true);
        }

        @Override
        public void retryLater(Job retry, Duration delay) {
            if (settled.compareAndSet(false, true)) {
                byte[] body = JobCodec.encode(retry);
                timer.schedule(() -> ready.get(stage).addLast(new Message(body, 0)),
                        delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void deadLetter(DeadLetter deadLetter) {
            if (settled.compareAndSet(false, true)) {
                dead.get(stage).add(deadLetter);
            }
        }

        @Override
        public void release() {
            if (settled.compareAndSet(false, true)) {
                ready.get(stage).addFirst(message);
            }
        }
    }

}
