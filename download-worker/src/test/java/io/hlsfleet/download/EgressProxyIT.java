package io.hlsfleet.download;

import static org.assertj.core.api.Assertions.assertThat;

import io.hlsfleet.net.Cidr;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.net.SsrfGuard;
import io.hlsfleet.testing.ScriptedOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The egress proxy speaks plain HTTP proxying and CONNECT tunnels, and the SSRF guard decides
 * both: 127.0.0.1 is allowed here, 127.0.0.2 is not, and the listener there sees no connection.
 */
class EgressProxyIT {

    private ScriptedOrigin allowed;
    private ScriptedOrigin refused;
    private EgressProxy proxy;

    @BeforeEach
    void start() throws Exception {
        byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
        allowed = ScriptedOrigin.on("127.0.0.1").route("/x", (r, out) -> ScriptedOrigin.respond(out, 200, Map.of(), body));
        refused = ScriptedOrigin.on("127.0.0.2").route("/x", (r, out) -> ScriptedOrigin.respond(out, 200, Map.of(), body));
        SsrfGuard guard = new SsrfGuard(List.of(Cidr.parse("127.0.0.1/32")), HostResolver.SYSTEM, "only http and https",
                range -> "allow " + range);
        proxy = new EgressProxy(guard, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        allowed.close();
        refused.close();
    }

    private Socket toProxy() throws IOException {
        URI uri = URI.create(proxy.url());
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static String send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readHead(socket.getInputStream());
    }

    /** Reads a status line and headers, and the body too when the response says its length. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        String text = head.toString();
        int at = text.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
        if (at >= 0 && !text.startsWith("HTTP/1.1 200 Connection established")) {
            int length = Integer.parseInt(text.substring(at + 15, text.indexOf("\r\n", at)).strip());
            text += new String(in.readNBytes(length), StandardCharsets.US_ASCII);
        }
        return text;
    }

    @Test
    void tunnelsAndForwardsToAllowedAddresses() throws IOException {
        String authority = "127.0.0.1:" + allowed.port();
        try (Socket socket = toProxy()) {
            assertThat(send(socket, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"))
                    .startsWith("HTTP/1.1 200");
            assertThat(send(socket, "GET /x HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"))
                    .startsWith("HTTP/1.1 200").endsWith("hello");
        }
        try (Socket socket = toProxy()) {
            assertThat(send(socket, "GET http://" + authority + "/x HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"))
                    .startsWith("HTTP/1.1 200").endsWith("hello");
        }
        assertThat(proxy.refusals()).isEmpty();
        assertThat(allowed.accepted()).isEqualTo(2);
    }

    @Test
    void refusesTunnelsAndRequestsToRefusedAddressesWithoutConnecting() throws IOException {
        String authority = "127.0.0.2:" + refused.port();
        try (Socket socket = toProxy()) {
            assertThat(send(socket, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"))
                    .doesNotStartWith("HTTP/1.1 200");
        }
        try (Socket socket = toProxy()) {
            assertThat(send(socket, "GET http://" + authority + "/x HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"))
                    .doesNotStartWith("HTTP/1.1 200");
        }
        for (String odd : List.of("2130706433:" + refused.port(),
                "[::ffff:127.0.0.2]:" + refused.port(), "169.254.169.254:80")) {
            try (Socket socket = toProxy()) {
                assertThat(send(socket, "CONNECT " + odd + " HTTP/1.1\r\nHost: " + odd + "\r\n\r\n"))
                        .as(odd).doesNotStartWith("HTTP/1.1 200");
            }
        }
        assertThat(proxy.refusals()).hasSize(5).first().asString().contains("loopback");
        assertThat(refused.accepted()).isZero();
    }

    @Test
    void refusesRequestsAddressedToItself() throws IOException {
        String self = URI.create(proxy.url()).getAuthority();
        try (Socket socket = toProxy()) {
            assertThat(send(socket, "GET /x HTTP/1.1\r\nHost: " + self + "\r\n\r\n")).doesNotStartWith("HTTP/1.1 200");
        }
        assertThat(proxy.refusals()).singleElement().asString().contains("the download proxy itself");
    }
}
