package io.hlsfleet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP front for an HTTP server on 127.0.0.1 that answers the first {@code failures} connections
 * itself with {@code 503 SlowDown}, S3's throttling answer, and relays every later connection to
 * the server byte for byte. Tests of retry behaviour put it between a client and S3Proxy; a
 * {@linkplain #throttled throttled} front passes what clients send at a set rate, a slow store in
 * which a test can act while uploads are certainly in progress.
 */
public final class FaultyFront implements AutoCloseable {

    private static final String SLOW_DOWN = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
            + "<Message>Please reduce your request rate.</Message></Error>";

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicInteger failuresLeft;
    private final AtomicInteger failed = new AtomicInteger();
    private final int uploadBytesPerSecond;
    private final Thread acceptor;
    /** Both ends of every relayed connection, closed with the front. */
    private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public FaultyFront(URI target, int failures) throws IOException {
        this(target, failures, 0);
    }

    private FaultyFront(URI target, int failures, int uploadBytesPerSecond) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = target.getPort();
        this.failuresLeft = new AtomicInteger(failures);
        this.uploadBytesPerSecond = uploadBytesPerSecond;
        this.acceptor = Thread.ofVirtual().start(this::accept);
    }

    /** A front that refuses nothing and relays what each client sends at {@code bytesPerSecond} per connection. */
    public static FaultyFront throttled(URI target, int bytesPerSecond) throws IOException {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("the rate must be at least one byte per second");
        }
        return new FaultyFront(target, 0, bytesPerSecond);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** How many connections were answered with 503. */
    public int failed() {
        return failed.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (failuresLeft.getAndDecrement() > 0) {
                    Thread.ofVirtual().start(() -> refuse(client));
                } else {
                    Thread.ofVirtual().start(() -> relay(client));
                }
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void refuse(Socket client) {
        try (client) {
            readHeaders(client.getInputStream());
            // Counted before the answer leaves, so a test that has seen the answer sees the count.
            failed.incrementAndGet();
            byte[] body = SLOW_DOWN.getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n";
            OutputStream out = client.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // The client gave up on this connection; it will retry on another.
        }
    }

    private static void readHeaders(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < end.length && (b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private void relay(Socket client) {
        try (client; Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            open.add(client);
            open.add(server);
            Thread upstream = Thread.ofVirtual().start(() -> pipe(client, server, uploadBytesPerSecond));
            pipe(server, client);
            upstream.join();
        } catch (IOException e) {
            // One side closed; the other follows.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(client);
        }
    }

    private static void pipe(Socket from, Socket to) {
        pipe(from, to, 0);
    }

    /** Copies until the end of {@code from}; at most {@code bytesPerSecond} (0: as fast as it comes). */
    private static void pipe(Socket from, Socket to, int bytesPerSecond) {
        try {
            if (bytesPerSecond == 0) {
                from.getInputStream().transferTo(to.getOutputStream());
            } else {
                // Ten slices a second, each no larger than a tenth of the rate.
                byte[] slice = new byte[Math.max(1, bytesPerSecond / 10)];
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int read;
                while ((read = in.read(slice)) >= 0) {
                    out.write(slice, 0, read);
                    out.flush();
                    Thread.sleep(100);
                }
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // Connection closed.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        acceptor.join();
        // A request cut off mid-body (a cancelled or killed upload) would otherwise keep the
        // server's side open, and the server waiting for the rest of it when it is stopped.
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException alreadyClosed) {
                // Nothing to do.
            }
        }
    }
}
