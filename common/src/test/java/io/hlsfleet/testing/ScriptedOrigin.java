package io.hlsfleet.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 origin on a loopback address whose every answer is scripted by the test, down to
 * the bytes on the socket: it can lie about {@code Content-Length}, drop a connection midway or
 * drip a byte at a time, which well-behaved servers cannot be made to do. It counts accepted
 * connections, so a test can prove that a client never connected. One request per connection.
 */
public final class ScriptedOrigin implements AutoCloseable {

    /** What the origin does with one request; write the whole response to {@code out}. */
    @FunctionalInterface
    public interface Handler {
        void handle(Request request, OutputStream out) throws IOException, InterruptedException;
    }

    /** A request as received; header names are lower case. */
    public record Request(String method, String target, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();

    private ScriptedOrigin(InetAddress address) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(address, 0), 1024);
        threads.submit(this::acceptLoop);
    }

    /** Starts an origin on {@code address}, which must be a loopback address (127.0.0.0/8 or ::1). */
    public static ScriptedOrigin on(String address) throws IOException {
        InetAddress inet = InetAddress.ofLiteral(address);
        if (!inet.isLoopbackAddress()) {
            throw new IllegalArgumentException("test origins listen on loopback only, not " + address);
        }
        return new ScriptedOrigin(inet);
    }

    public ScriptedOrigin route(String path, Handler handler) {
        routes.put(path, handler);
        return this;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://host:port} with IPv6 hosts in brackets. */
    public String base() {
        String host = server.getInetAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    public String url(String path) {
        return base() + path;
    }

    /** Connections accepted so far, whether or not a request followed. */
    public int accepted() {
        return accepted.get();
    }

    /** Most connections open at the same time. */
    public int peakOpen() {
        return peakOpen.get();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                threads.submit(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        try (socket) {
            Request request = read(socket.getInputStream());
            if (request == null) {
                return;
            }
            requests.add(request);
            String path = request.target().contains("?")
                    ? request.target().substring(0, request.target().indexOf('?')) : request.target();
            Handler handler = routes.getOrDefault(path, (r, out) -> respond(out, 404, Map.of(), new byte[0]));
            OutputStream out = socket.getOutputStream();
            handler.handle(request, out);
            out.flush();
        } catch (IOException e) {
            // The client went away; that is often the point of the test.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.decrementAndGet();
        }
    }

    private static Request read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            last4 = (last4 << 8) | b;
            if (last4 == 0x0d0a0d0a) {
                break;
            }
            if (head.size() > 64 * 1024) {
                return null;
            }
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        if (lines.length == 0 || lines[0].isBlank()) {
            return null;
        }
        String[] first = lines[0].split(" ");
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        return new Request(first[0], first.length > 1 ? first[1] : "/", headers);
    }

    /** Writes a complete response with a truthful Content-Length and {@code Connection: close}. */
    public static void respond(OutputStream out, int status, Map<String, String> headers, byte[] body)
            throws IOException {
        Map<String, String> all = new TreeMap<>(headers);
        all.putIfAbsent("Content-Length", Long.toString(body.length));
        head(out, status, all);
        out.write(body);
    }

    /** Writes the status line and headers only (plus {@code Connection: close}); the body is up to the caller. */
    public static void head(OutputStream out, int status, Map<String, String> headers) throws IOException {
        StringBuilder text = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status))
                .append("\r\n");
        headers.forEach((name, value) -> text.append(name).append(": ").append(value).append("\r\n"));
        text.append("Connection: close\r\n\r\n");
        out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 206 -> "Partial Content";
            case 301, 302 -> "Found";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
