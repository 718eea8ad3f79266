package io.hlsfleet.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events within one process, for the fleet of {@code hlsfleet run}, whose queues are in memory
 * too: followers hear them on the publishing thread, shared groups take them from a queue of
 * their own. Nothing outlives the process.
 */
public final class InProcessEventBus implements EventBus {

    private static final Logger log = LoggerFactory.getLogger(InProcessEventBus.class);

    private record Follower(List<String> patterns, Consumer<JobEvent> consumer, LinkedBlockingQueue<JobEvent> queue) {
    }

    private final List<Follower> followers = new CopyOnWriteArrayList<>();
    private final AtomicInteger handling = new AtomicInteger();

    @Override
    public void publish(JobEvent event) {
        for (Follower follower : followers) {
            if (!EventBus.matchesAny(follower.patterns(), event.routingKey())) {
                continue;
            }
            if (follower.queue() != null) {
                follower.queue().add(event);
                continue;
            }
            try {
                follower.consumer().accept(event);
            } catch (RuntimeException e) {
                log.warn("a follower of the events failed on {}: {}", event.routingKey(), e.getMessage());
            }
        }
    }

    /**
     * Waits until the shared groups have handled every event published so far, or {@code limit}
     * passed: a process that ends with its fleet lets its webhooks go out first.
     *
     * @return true if all were handled
     */
    public boolean awaitHandled(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (handling.get() > 0 || followers.stream().anyMatch(f -> f.queue() != null && !f.queue().isEmpty())) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    @Override
    public Feed follow(String pattern, Consumer<JobEvent> consumer) {
        Follower follower = new Follower(List.of(pattern), consumer, null);
        followers.add(follower);
        return () -> followers.remove(follower);
    }

    /** An event whose handler throws is queued again at the end; the group ends with the process. */
    @Override
    public Feed share(String group, List<String> patterns, int concurrency, Consumer<JobEvent> handler) {
        Follower follower = new Follower(List.copyOf(patterns), handler, new LinkedBlockingQueue<>());
        followers.add(follower);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            threads.add(Thread.ofVirtual().name("hlsfleet-" + group + "-", i).start(() -> {
                while (true) {
                    JobEvent event;
                    try {
                        event = follower.queue().take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    handling.incrementAndGet();
                    try {
                        handler.accept(event);
                    } catch (RuntimeException e) {
                        follower.queue().add(event);
                        if (Thread.currentThread().isInterrupted()) {
                            return;
                        }
                    } finally {
                        handling.decrementAndGet();
                    }
                }
            }));
        }
        return () -> {
            followers.remove(follower);
            threads.forEach(Thread::interrupt);
        };
    }
}
