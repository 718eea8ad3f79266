package io.hlsfleet.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** An HTTP origin on 127.0.0.1 serving the files of one directory, as a video host would. */
final class ClipOrigin implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Stall> stalls = new ConcurrentHashMap<>();

    ClipOrigin(Path root) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring(1);
            Path file = root.resolve(name).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "video/mp4");
            exchange.sendResponseHeaders(200, Files.size(file));
            Stall stall = stalls.remove(name);
            try (OutputStream out = exchange.getResponseBody()) {
                if (stall != null) {
                    stall.serve(file, out);
                } else {
                    Files.copy(file, out);
                }
            } catch (IOException clientGone) {
                // The downloader went away mid-body, as a killed worker does.
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    String url(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + name;
    }

    /**
     * Makes the next request for {@code name} send half of the file and then hang until
     * {@link Stall#release()}, so a test can act while a download is certainly in progress.
     * Later requests are served at once.
     */
    Stall stallNext(String name) {
        Stall stall = new Stall();
        stalls.put(name, stall);
        return stall;
    }

    /** A download held halfway. */
    static final class Stall {

        private final CountDownLatch started = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private void serve(Path file, OutputStream out) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                out.write(in.readNBytes((int) (Files.size(file) / 2)));
                out.flush();
                started.countDown();
                released.await();
                in.transferTo(out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("stalled download interrupted", e);
            }
        }

        /** Waits until a downloader has received the first half. */
        void awaitStarted(Duration timeout) throws InterruptedException {
            if (!started.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("no download of the stalled file started within " + timeout);
            }
        }

        void release() {
            released.countDown();
        }
    }

    @Override
    public void close() {
        stalls.values().forEach(Stall::release);
        server.stop(0);
    }
}
