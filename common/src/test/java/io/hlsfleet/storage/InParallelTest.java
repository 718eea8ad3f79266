package io.hlsfleet.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Transfers side by side, and how an interrupt (a cancel, a shutdown) stops them. */
class InParallelTest {

    private static List<Callable<Void>> sleepers(int count, Duration each, AtomicInteger started,
            AtomicInteger interrupted, AtomicInteger finished) {
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tasks.add(() -> {
                started.incrementAndGet();
                try {
                    Thread.sleep(each);
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                }
                finished.incrementAndGet();
                return null;
            });
        }
        return tasks;
    }

    @Test
    void stoppingBetweenTasksLetsTheRunningOnesFinishAndStartsNoOther() throws Exception {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        List<Callable<Void>> tasks = sleepers(10, Duration.ofMillis(800), started, interrupted, finished);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                InParallel.runStoppingBetweenTasks("upload", "test-", tasks, 2);
            } catch (Exception e) {
                thrown.set(e);
            }
        });
        Thread.sleep(300);
        caller.interrupt();
        caller.join(Duration.ofSeconds(10));

        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        // When it returns, the two that were running have finished, and nothing else ran.
        assertThat(started).hasValue(2);
        assertThat(finished).hasValue(2);
        assertThat(interrupted).hasValue(0);
    }

    @Test
    void anInterruptStopsTheRunningTasksAndNeverStartsTheQueuedOnes() throws Exception {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tasks.add(() -> {
                started.incrementAndGet();
                try {
                    Thread.sleep(Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                }
                return null;
            });
        }
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                InParallel.run("upload", "test-", tasks, 2);
            } catch (Exception e) {
                thrown.set(e);
            }
        });
        Thread.sleep(300);
        long interruptedAt = System.nanoTime();
        caller.interrupt();
        caller.join(Duration.ofSeconds(10));

        assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt)).isLessThan(Duration.ofSeconds(1));
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(started).hasValue(2);
        assertThat(interrupted).hasValue(2);
    }
}
