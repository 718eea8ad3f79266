package io.hlsfleet.transport;

import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.Job;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Queues in this process's memory, for {@code hlsfleet run} and fast tests. Messages are kept
 * encoded, exactly as a broker would keep them, so the codec is exercised the same way; nothing
 * survives the process. Like the brokers, it keeps a queue per stage and {@link Priority}, and a
 * free consumer takes from the highest one that holds anything; within a priority, first in first
 * out.
 */
public final class InMemoryTransport implements Transport {

    private final Map<Stage, StageQueues> ready = new EnumMap<>(Stage.class);
    private final Map<Stage, List<DeadLetter>> dead = new EnumMap<>(Stage.class);
    private final List<InMemorySubscription> subscriptions = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hlsfleet-delayed-retries").factory());

    public InMemoryTransport() {
        for (Stage stage : Stage.values()) {
            ready.put(stage, new StageQueues());
            dead.put(stage, new CopyOnWriteArrayList<>());
        }
    }

    @Override
    public void publish(Stage stage, Job job) {
        enqueue(stage, JobCodec.encode(job), job.priority());
    }

    /** On the normal queue, as on the brokers: a job body keeps its own priority from the next hand-off on. */
    @Override
    public void publishRaw(Stage stage, byte[] body) {
        enqueue(stage, body, Priority.NORMAL);
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
        ready.forEach((stage, queues) -> depths.put(stage, (long) queues.size()));
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
    public int removeDeadLetters(Stage stage, List<String> jobIds) {
        List<DeadLetter> removed = dead.get(stage).stream()
                .filter(letter -> letter.job() != null && jobIds.contains(letter.jobId()))
                .toList();
        dead.get(stage).removeAll(removed);
        return removed.size();
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

    /** A first delivery of {@code body} at the back of its priority's queue. */
    private void enqueue(Stage stage, byte[] body, Priority priority) {
        ready.get(stage).addLast(new Message(body, priority, 0));
    }

    private record Message(byte[] body, Priority priority, int deliveries) {
    }

    /** One stage's queues, one per priority, behind one lock so a taker sees them all at once. */
    private static final class StageQueues {

        private final Map<Priority, Deque<Message>> byPriority = new EnumMap<>(Priority.class);
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition notEmpty = lock.newCondition();

        StageQueues() {
            for (Priority priority : Priority.values()) {
                byPriority.put(priority, new ArrayDeque<>());
            }
        }

        void addLast(Message message) {
            add(message, false);
        }

        /** Back at the head of its own priority's queue: a message given back keeps its place. */
        void addFirst(Message message) {
            add(message, true);
        }

        private void add(Message message, boolean first) {
            lock.lock();
            try {
                Deque<Message> queue = byPriority.get(message.priority());
                if (first) {
                    queue.addFirst(message);
                } else {
                    queue.addLast(message);
                }
                notEmpty.signal();
            } finally {
                lock.unlock();
            }
        }

        /** The oldest message of the highest priority that holds one, waiting up to {@code timeout}; null if none came. */
        Message take(Duration timeout) throws InterruptedException {
            long nanos = timeout.toNanos();
            lock.lockInterruptibly();
            try {
                while (true) {
                    for (Priority priority : Priority.values()) {
                        Message message = byPriority.get(priority).pollFirst();
                        if (message != null) {
                            return message;
                        }
                    }
                    if (nanos <= 0) {
                        return null;
                    }
                    nanos = notEmpty.awaitNanos(nanos);
                }
            } finally {
                lock.unlock();
            }
        }

        int size() {
            lock.lock();
            try {
                return byPriority.values().stream().mapToInt(Deque::size).sum();
            } finally {
                lock.unlock();
            }
        }
    }

    private final class InMemorySubscription extends ConsumerSkeleton {

        private final List<Thread> consumers = new ArrayList<>();

        InMemorySubscription(Stage stage, int concurrency, DeliveryHandler handler) {
            super(stage, handler);
            for (int i = 0; i < concurrency; i++) {
                consumers.add(Thread.ofVirtual().name("hlsfleet-" + stage.id() + "-", i).start(this::consume));
            }
        }

        private void consume() {
            StageQueues queues = ready.get(stage());
            while (running()) {
                Message message;
                try {
                    message = queues.take(Duration.ofMillis(100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (message != null) {
                    dispatch(new InMemoryDelivery(stage(), message));
                }
            }
        }

        @Override
        protected void stopTaking(Duration grace) {
        }

        @Override
        protected void awaitConsumers() throws InterruptedException {
            for (Thread consumer : consumers) {
                consumer.join(Duration.ofSeconds(30));
            }
        }

        @Override
        protected void stopped() {
            subscriptions.remove(this);
        }
    }

    private final class InMemoryDelivery extends AbstractDelivery {

        private final Message message;

        InMemoryDelivery(Stage stage, Message message) {
            super(stage, message.body());
            this.message = message;
        }

        @Override
        public int deliveryCount() {
            return message.deliveries() + 1;
        }

        @Override
        protected void sendAck() {
        }

        @Override
        protected void sendHandOff(Stage next, Priority priority, byte[] output) {
            enqueue(next, output, priority);
        }

        @Override
        protected void sendRetry(byte[] retry, Priority priority, Duration delay) {
            timer.schedule(() -> enqueue(stage(), retry, priority),
                    delay.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        protected void sendDeadLetter(byte[] deadLetter) {
            dead.get(stage()).add(JobCodec.decodeDeadLetter(deadLetter));
        }

        @Override
        protected void sendRelease() {
            ready.get(stage()).addFirst(message);
        }

        @Override
        protected void sendAbandon() {
            ready.get(stage()).addFirst(new Message(message.body(), message.priority(), message.deliveries() + 1));
        }
    }
}
