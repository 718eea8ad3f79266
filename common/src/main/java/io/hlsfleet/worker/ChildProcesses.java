package io.hlsfleet.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts the tools a stage runs (ffmpeg, ffprobe, yt-dlp) so that they never outlive the worker.
 *
 * <p>On Linux every child is started through {@code setpriv --pdeathsig KILL}: the kernel kills it
 * when the thread that started it dies, which covers a worker killed with SIGKILL. Because that
 * signal follows the starting <em>thread</em>, all children are started from one platform thread
 * that lives as long as the JVM, and which dies with it however it ends. Without setpriv, a shutdown
 * hook destroys the children instead.
 */
public final class ChildProcesses {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static final ExecutorService SPAWNER = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("hlsfleet-process-spawner").daemon().factory());

    static {
        // Shutdown hooks run as soon as SIGTERM arrives, before the workers' grace period: a hook
        // that destroyed the children would kill every encode at once and turn a graceful stop into
        // failed attempts. With setpriv the kernel kills them when the JVM exits, so the hook is
        // needed only where setpriv is missing.
        if (!Files.isExecutable(SETPRIV)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                    "hlsfleet-child-reaper"));
        }
    }

    private ChildProcesses() {
    }

    public static Process start(ProcessBuilder builder) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        command.addAll(builder.command());
        builder.command(command);
        try {
            Process process = SPAWNER.submit(builder::start).get();
            RUNNING.add(process);
            process.onExit().thenRun(() -> RUNNING.remove(process));
            return process;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("could not start " + builder.command().getLast(), e.getCause());
        }
    }

    /** Kills a child and waits for it, so no child keeps writing after its job was abandoned. */
    public static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
