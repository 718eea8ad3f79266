package io.hlsfleet.encode;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.hlsfleet.testing.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plays ladders in real players: hls.js and Shaka Player, in the system's headless Chromium driven
 * by playwright-core (src/test/players). Ladders and the check page are served by an HTTP server on
 * loopback that answers range requests, as CDNs do for byte-range playlists.
 *
 * <p>The page reports what each player really did (levels offered, picture height rendered per
 * level, automatic switching, seeks, {@code ended}, audio renditions and subtitle cues); the tests
 * assert on those reports.
 */
final class PlayerHarness implements AutoCloseable {

    /** The browser: Debian's Chromium, or {@code HLSFLEET_TEST_CHROMIUM}. */
    static final String CHROMIUM = System.getenv().getOrDefault("HLSFLEET_TEST_CHROMIUM", "/usr/bin/chromium");

    static final List<String> PLAYERS = List.of("hlsjs", "shaka");

    private static final Path PLAYERS_DIR = Path.of("src/test/players").toAbsolutePath();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
    private static final Map<String, String> TYPES = Map.of(
            "m3u8", "application/vnd.apple.mpegurl", "ts", "video/mp2t", "m4s", "video/iso.segment",
            "mp4", "video/mp4", "vtt", "text/vtt", "js", "text/javascript", "html", "text/html; charset=utf-8",
            "key", "application/octet-stream", "aac", "audio/aac", "jpg", "image/jpeg");

    private final HttpServer server;
    private final Path site;

    /** Serves {@code site} under {@code /site/} and the check page under {@code /players/}. */
    PlayerHarness(Path site) throws IOException {
        if (!Files.isDirectory(PLAYERS_DIR.resolve("node_modules/playwright-core"))) {
            throw new IllegalStateException("the players are not installed: run `npm ci` in " + PLAYERS_DIR
                    + " (Maven's pre-integration-test phase does)");
        }
        this.site = site;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/site/", exchange -> serve(exchange, this.site, "/site/"));
        server.createContext("/players/", exchange -> serve(exchange, PLAYERS_DIR, "/players/"));
        server.start();
    }

    /** The URL of a file or folder below the served site folder. */
    String url(String pathInSite) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/site/" + pathInSite;
    }

    /** Plays {@code master} (a path below the site folder) in every player; one report per player. */
    List<JsonNode> play(String master) throws IOException, InterruptedException {
        return play(master, List.of());
    }

    /**
     * As {@link #play(String)}, and each player also plays across each of {@code crossings}
     * (seconds into the video) and reports whether it buffered one unbroken stretch there.
     */
    List<JsonNode> play(String master, List<Double> crossings) throws IOException, InterruptedException {
        List<String> checks = new ArrayList<>();
        for (String player : PLAYERS) {
            StringBuilder check = new StringBuilder(player).append('=').append(url(master));
            crossings.forEach(at -> check.append(' ').append(at));
            checks.add(check.toString());
        }
        List<JsonNode> reports = run(checks);
        if (reports.size() != PLAYERS.size()) {
            throw new AssertionError("expected one report per player, got: " + reports);
        }
        return reports;
    }

    /**
     * Loads {@code master} in Shaka Player with its storyboard ({@code storyboard/thumbnails.vtt}
     * beside it) as a thumbnails track, and reports the thumbnail it picks at 0.5, 1.5, 2.5 and 4.5 s.
     */
    JsonNode storyboard(String master) throws IOException, InterruptedException {
        return run(List.of("storyboard=" + url(master))).getFirst();
    }

    private List<JsonNode> run(List<String> checks) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", PLAYERS_DIR.resolve("run.mjs").toString(), CHROMIUM,
                "http://127.0.0.1:" + server.getAddress().getPort() + "/players/page.html"));
        command.addAll(checks);
        Processes.Result node = Processes.run(new ProcessBuilder(command), null, Duration.ofMinutes(5));
        String out = node.out();
        System.err.print(node.err());
        if (!node.succeeded()) {
            throw new AssertionError("the player run failed (exit " + node.exitCode() + "): " + out + node.err());
        }
        List<JsonNode> reports = new ArrayList<>();
        for (String line : out.lines().filter(l -> l.startsWith("{")).toList()) {
            reports.add(JSON.readTree(line));
        }
        if (reports.size() != checks.size()) {
            throw new AssertionError("expected one report per check, got: " + out);
        }
        return reports;
    }

    private static void serve(HttpExchange exchange, Path root, String prefix) throws IOException {
        try (exchange) {
            String relative = exchange.getRequestURI().getPath().substring(prefix.length());
            Path file = root.resolve(relative).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            long size = Files.size(file);
            long from = 0;
            long to = size - 1;
            Matcher range = RANGE.matcher(String.valueOf(exchange.getRequestHeaders().getFirst("Range")));
            boolean partial = range.matches();
            if (partial) {
                from = Long.parseLong(range.group(1));
                to = range.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(range.group(2)));
                exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + size);
            }
            String name = file.getFileName().toString();
            String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT),
                    "application/octet-stream");
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            long length = to - from + 1;
            exchange.sendResponseHeaders(partial ? 206 : 200, length);
            try (InputStream in = Files.newInputStream(file); OutputStream body = exchange.getResponseBody()) {
                // Test ladders are small: the range is read whole.
                in.skipNBytes(from);
                body.write(in.readNBytes((int) length));
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
