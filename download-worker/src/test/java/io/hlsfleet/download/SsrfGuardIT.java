package io.hlsfleet.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.testing.ScriptedOrigin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every SSRF vector is refused before a connection is made: each refused address has a real
 * listener on loopback, and the listener must not see a single connection.
 */
class SsrfGuardIT {

    @TempDir
    Path dir;

    private final byte[] video = Fixtures.video(32 * 1024, 7);
    private ScriptedOrigin local;
    private ScriptedOrigin second;

    @BeforeEach
    void start() throws IOException {
        local = ScriptedOrigin.on("127.0.0.1").route("/v.mp4", this::serve);
        second = ScriptedOrigin.on("127.0.0.2").route("/v.mp4", this::serve);
    }

    private void serve(ScriptedOrigin.Request request, java.io.OutputStream out) throws IOException {
        ScriptedOrigin.respond(out, 200, Map.of(), video);
    }

    @AfterEach
    void stop() throws IOException {
        local.close();
        second.close();
    }

    private JobFailure refused(HttpDownloader downloader, String url) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
                () -> downloader.download(URI.create(url), dir.resolve("out"), new Fixtures.RecordingContext()));
        assertThat(thrown).as(url).isInstanceOf(JobFailure.class);
        JobFailure failure = (JobFailure) thrown;
        assertThat(failure.retryable()).as(url).isFalse();
        return failure;
    }

    @Test
    void refusesEveryLoopbackFormWithoutConnecting() {
        int port = local.port();
        try (HttpDownloader downloader = new HttpDownloader(Fixtures.settings())) {
            for (String url : List.of(
                    "http://127.0.0.1:" + port + "/v.mp4",
                    "http://localhost:" + port + "/v.mp4",
                    "http://2130706433:" + port + "/v.mp4",
                    "http://0x7f000001:" + port + "/v.mp4",
                    "http://0177.0.0.1:" + port + "/v.mp4",
                    "http://127.1:" + port + "/v.mp4",
                    "http://[::ffff:127.0.0.1]:" + port + "/v.mp4",
                    "http://[::ffff:7f00:1]:" + port + "/v.mp4")) {
                refused(downloader, url);
            }
        }
        assertThat(local.accepted()).isZero();
    }

    @Test
    void refusalSaysWhyAndHowToAllow() {
        try (HttpDownloader downloader = new HttpDownloader(Fixtures.settings())) {
            JobFailure failure = refused(downloader, second.url("/v.mp4"));
            assertThat(failure.reason()).contains("loopback", "HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS=127.0.0.2/32",
                    "--allow-network");
        }
        assertThat(second.accepted()).isZero();
    }

    @Test
    void refusesIpv6LoopbackWithoutConnecting() throws IOException {
        assumeTrue(ipv6Loopback(), "no IPv6 loopback on this machine");
        try (ScriptedOrigin six = ScriptedOrigin.on("::1").route("/v.mp4", this::serve);
                HttpDownloader downloader = new HttpDownloader(Fixtures.settings())) {
            refused(downloader, six.url("/v.mp4"));
            assertThat(six.accepted()).isZero();
        }
    }

    @Test
    void refusesNamesThatResolveToInternalAddressesBeforeConnecting() {
        Fixtures.MapResolver resolver = new Fixtures.MapResolver()
                .map("metadata.test", "169.254.169.254")
                .map("intranet.test", "10.0.0.1")
                .map("cgnat.test", "100.64.0.1")
                .map("ula.test", "fd00::1")
                .map("linklocal6.test", "fe80::1")
                .map("loop.test", "127.0.0.2")
                .map("mixed.test", "127.0.0.1", "127.0.0.2");
        DownloadSettings settings = Fixtures.settings("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.1/32");
        try (HttpDownloader downloader = new HttpDownloader(settings, resolver, DownloadMetrics.detached())) {
            assertThat(refused(downloader, "http://metadata.test/latest/meta-data/").reason())
                    .contains("169.254.169.254", "link-local");
            assertThat(refused(downloader, "http://intranet.test/v.mp4").reason()).contains("10.0.0.1", "private");
            assertThat(refused(downloader, "http://cgnat.test/v.mp4").reason()).contains("carrier-grade NAT");
            assertThat(refused(downloader, "http://ula.test/v.mp4").reason()).contains("unique local");
            assertThat(refused(downloader, "http://linklocal6.test/v.mp4").reason()).contains("link-local");
            refused(downloader, "http://loop.test:" + second.port() + "/v.mp4");
            // One allowed and one refused address: the name is refused as a whole, nothing is tried.
            refused(downloader, "http://mixed.test:" + local.port() + "/v.mp4");
            refused(downloader, "http://mixed.test:" + second.port() + "/v.mp4");
        }
        assertThat(local.accepted()).isZero();
        assertThat(second.accepted()).isZero();
    }

    @Test
    void refusesWellKnownNat64FormsOfRefusedAddressesBeforeConnecting() {
        refusesBeforeConnecting("NAT64", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe");
    }

    @Test
    void refusesLocalUseNat64FormsOfRefusedAddressesBeforeConnecting() {
        refusesBeforeConnecting("local-use NAT64", "64:ff9b:1::7f00:1", "64:ff9b:1:7f00:0:100::");
    }

    @Test
    void refusesTeredoFormsOfRefusedAddressesBeforeConnecting() {
        refusesBeforeConnecting("Teredo", "2001:0:4136:e378:8000:63bf:80ff:fffe", "2001:0:7f00:1::f7f7:f7f7");
    }

    @Test
    void refuses6to4BeforeConnecting() {
        refusesBeforeConnecting("6to4", "2002:7f00:1::1");
    }

    /**
     * Each form as a literal and as a name resolving to it. A refusal is permanent and comes with
     * the guard's reason; had the download dialled, it would have failed to reach the address and
     * been retried. The loopback listener the embedded addresses stand for sees no connection.
     */
    private void refusesBeforeConnecting(String form, String... addresses) {
        Fixtures.MapResolver resolver = new Fixtures.MapResolver();
        for (int i = 0; i < addresses.length; i++) {
            resolver.map("embedded" + i + ".test", addresses[i]);
        }
        try (HttpDownloader downloader = new HttpDownloader(Fixtures.settings(), resolver, DownloadMetrics.detached())) {
            for (int i = 0; i < addresses.length; i++) {
                assertThat(refused(downloader, "http://[" + addresses[i] + "]:" + local.port() + "/v.mp4").reason())
                        .contains(form);
                assertThat(refused(downloader, "http://embedded" + i + ".test:" + local.port() + "/v.mp4").reason())
                        .contains(form);
            }
        }
        assertThat(local.accepted()).isZero();
    }

    @Test
    void refusesOtherSchemes() {
        try (HttpDownloader downloader = new HttpDownloader(Fixtures.settings())) {
            for (String url : List.of("file:///etc/passwd", "ftp://example.com/v.mp4", "gopher://example.com/",
                    "jar:http://example.com/x.jar!/v.mp4")) {
                assertThat(refused(downloader, url).reason()).contains("http");
            }
        }
    }

    @Test
    void allowListOpensPrivateOrigins() throws Exception {
        DownloadSettings settings = Fixtures.settings("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.0/8");
        try (HttpDownloader downloader = new HttpDownloader(settings)) {
            Path out = dir.resolve("allowed");
            assertThat(downloader.download(URI.create(second.url("/v.mp4")), out, new Fixtures.RecordingContext()))
                    .isEqualTo(video.length);
            assertThat(Files.readAllBytes(out)).isEqualTo(video);
        }
        assertThat(second.accepted()).isEqualTo(1);
    }

    @Test
    void refusesRedirectToARefusedAddress() throws IOException {
        String target = second.url("/v.mp4");
        try (ScriptedOrigin redirector = ScriptedOrigin.on("127.0.0.3")
                .route("/start", (r, out) -> ScriptedOrigin.respond(out, 302, Map.of("Location", target), new byte[0]))
                .route("/meta", (r, out) -> ScriptedOrigin.respond(out, 301,
                        Map.of("Location", "http://169.254.169.254/latest/meta-data/"), new byte[0]))
                .route("/numeric", (r, out) -> ScriptedOrigin.respond(out, 307,
                        Map.of("Location", "http://2130706433:" + local.port() + "/v.mp4"), new byte[0]))
                .route("/file", (r, out) -> ScriptedOrigin.respond(out, 302,
                        Map.of("Location", "file:///etc/passwd"), new byte[0]))) {
            DownloadSettings settings = Fixtures.settings("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.3/32");
            try (HttpDownloader downloader = new HttpDownloader(settings)) {
                assertThat(refused(downloader, redirector.url("/start")).reason()).contains("127.0.0.2", "loopback");
                assertThat(refused(downloader, redirector.url("/meta")).reason()).contains("169.254.169.254");
                refused(downloader, redirector.url("/numeric"));
                refused(downloader, redirector.url("/file"));
            }
            assertThat(redirector.requests()).hasSize(4);
        }
        assertThat(second.accepted()).isZero();
        assertThat(local.accepted()).isZero();
    }

    @Test
    void followsAtMostFiveRedirects() throws IOException {
        try (ScriptedOrigin loop = ScriptedOrigin.on("127.0.0.3")) {
            for (int i = 0; i < 10; i++) {
                String next = "/r" + (i + 1);
                loop.route("/r" + i, (r, out) -> ScriptedOrigin.respond(out, 302, Map.of("Location", next), new byte[0]));
            }
            loop.route("/r6", this::serve);
            DownloadSettings settings = Fixtures.settings("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.3/32");
            try (HttpDownloader downloader = new HttpDownloader(settings)) {
                assertThat(refused(downloader, loop.url("/r0")).reason()).contains("more than 5 redirects");
                assertThat(loop.requests()).hasSize(6);
            }
        }
    }

    @Test
    void checksEveryNewConnectionSoRebindingCannotSlipThrough() throws Exception {
        // The first lookup answers an allowed address, later ones a refused one, as a rebinding DNS server would.
        AtomicInteger lookups = new AtomicInteger();
        HostResolver rebinding = host -> {
            if (!host.equals("rebind.test")) {
                throw new UnknownHostException(host);
            }
            return List.of(InetAddress.ofLiteral(lookups.getAndIncrement() == 0 ? "127.0.0.3" : "127.0.0.2"));
        };
        try (ScriptedOrigin first = ScriptedOrigin.on("127.0.0.3")
                .route("/start", (r, out) -> ScriptedOrigin.respond(out, 302,
                        Map.of("Location", "http://rebind.test:" + second.port() + "/v.mp4"), new byte[0]))) {
            DownloadSettings settings = Fixtures.settings("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "127.0.0.3/32");
            try (HttpDownloader downloader = new HttpDownloader(settings, rebinding, DownloadMetrics.detached())) {
                refused(downloader, "http://rebind.test:" + first.port() + "/start");
            }
            assertThat(first.accepted()).isEqualTo(1);
            assertThat(lookups.get()).isEqualTo(2);
        }
        assertThat(second.accepted()).isZero();
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.ofLiteral("::1"))) {
            return probe.getLocalPort() > 0;
        } catch (IOException e) {
            return false;
        }
    }
}
