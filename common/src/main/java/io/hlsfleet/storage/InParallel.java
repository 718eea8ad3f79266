package io.hlsfleet.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Transfers run side by side: the files of a ladder, the parts of a multipart upload. */
public final class InParallel {

    private InParallel() {
    }

    /**
     * Runs {@code tasks} on virtual threads named {@code threadName} and a number, at most
     * {@code parallelism} at once, and returns their results in order. The first failure cancels
     * the tasks still running, rather than letting them run to the end, and is thrown: an
     * {@link IOException} as it is, anything else as an {@code IOException} saying
     * {@code "<what> failed: ..."}.
     */
    public static <T> List<T> run(String what, String threadName, List<Callable<T>> tasks, int parallelism)
            throws IOException, InterruptedException {
        return run(what, threadName, tasks, parallelism, false);
    }

    /**
     * As {@link #run(String, String, List, int)}, except that an interrupt stops it between tasks:
     * the tasks not started never start, and those running are let finish before the interrupt is
     * thrown. For transfers whose end must be known, such as the files of a ladder a cancelled
     * upload removes: an aborted request may still be completed by the server (or a proxy that
     * already took its bytes) after the caller has moved on.
     */
    public static <T> List<T> runStoppingBetweenTasks(String what, String threadName, List<Callable<T>> tasks,
            int parallelism) throws IOException, InterruptedException {
        return run(what, threadName, tasks, parallelism, true);
    }

    private static <T> List<T> run(String what, String threadName, List<Callable<T>> tasks, int parallelism,
            boolean finishRunningOnInterrupt) throws IOException, InterruptedException {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        // The tasks are cancelled before the pool is closed: closing waits for every task, queued
        // ones included, so an interrupt (a cancel, a shutdown) would otherwise wait for all of them.
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism),
                Thread.ofVirtual().name(threadName, 0).factory())) {
            try {
                for (Callable<T> task : tasks) {
                    futures.add(pool.submit(task));
                }
                List<T> results = new ArrayList<>(tasks.size());
                for (Future<T> future : futures) {
                    results.add(future.get());
                }
                return results;
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(!finishRunningOnInterrupt));
                throw e;
            } catch (ExecutionException | RuntimeException e) {
                futures.forEach(f -> f.cancel(true));
                throw e;
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            String message = cause.getMessage() != null ? cause.getMessage() : cause.toString();
            throw new IOException(what + " failed: " + message, cause);
        }
    }
}
