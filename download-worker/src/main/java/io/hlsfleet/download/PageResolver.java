package io.hlsfleet.download;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.SourcePage;
import io.hlsfleet.net.SsrfGuard;
import io.hlsfleet.worker.ChildProcesses;
import io.hlsfleet.worker.HumanUnits;
import io.hlsfleet.worker.JobContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finds the video on a web page with yt-dlp and downloads it, every connection through an
 * {@link EgressProxy} that applies the SSRF guard.
 *
 * <p>yt-dlp runs once, in the job's scratch folder, with no configuration file, cache or cookies
 * from the machine and a clean environment. It writes what it found on the page (id, title,
 * uploader, ...) next to the video. We name the output files ourselves (yt-dlp's own choice of extension cannot be trusted, see
 * GHSA-79w7-vh3h-8g4j) and the encode stage's admission checks it like any other source.
 * HLS and DASH are fetched by yt-dlp's own downloader, so ffmpeg only merges local files.
 */
final class PageResolver {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long POLL_MILLIS = 250;
    private static final Pattern MEDIA_FILE = Pattern.compile("media\\.[a-z0-9]{1,5}");
    private static final Pattern QUERY = Pattern.compile("(https?://[^\\s?#'\"]+)[?#][^\\s'\"]*");
    private static final String VIDEO_INFO = "video.info.json";
    private static final String PLAYLIST_INFO = "playlist.info.json";
    private static final String LOG = "yt-dlp.log";

    /** What a resolved page produced: the downloaded file's size and what the page says about it. */
    record Resolved(long bytes, SourcePage page) {
    }

    private final DownloadSettings settings;
    private final SsrfGuard guard;
    private final Path program;

    PageResolver(DownloadSettings settings, SsrfGuard guard) {
        this.settings = settings;
        this.guard = guard;
        this.program = program(settings.download().ytdlp());
    }

    /**
     * The yt-dlp executable {@code ytdlp} names (a path, or a name looked up on {@code PATH}), or
     * {@code null} when page resolution is off or it is not found; {@link #unavailable} says why.
     */
    static Path program(String ytdlp) {
        if (off(ytdlp)) {
            return null;
        }
        if (ytdlp.contains("/")) {
            Path path = Path.of(ytdlp);
            return Files.isExecutable(path) ? path : null;
        }
        String searchPath = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : searchPath.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, ytdlp))) {
                return Path.of(dir, ytdlp);
            }
        }
        return null;
    }

    private static boolean off(String ytdlp) {
        return ytdlp.isBlank() || ytdlp.equalsIgnoreCase("off");
    }

    boolean available() {
        return program != null;
    }

    /** Why pages cannot be resolved here; only meaningful when {@link #available} is false. */
    String unavailable() {
        String ytdlp = settings.download().ytdlp();
        if (off(ytdlp)) {
            return "page resolution is off (" + DownloadProperties.YTDLP + "=off)";
        }
        return "page resolution needs yt-dlp, and '" + ytdlp + "' was not found; install yt-dlp or set "
                + DownloadProperties.YTDLP + " to its path";
    }

    /**
     * Resolves {@code page} and downloads its video to {@code target}.
     *
     * @param scratch the job's scratch folder; yt-dlp works in a folder inside it
     */
    Resolved resolve(URI page, Path scratch, Path target, JobContext context)
            throws JobFailure, InterruptedException, IOException {
        if (program == null) {
            throw JobFailure.permanent(unavailable());
        }
        Path work = Files.createDirectories(scratch.resolve("page"));
        long deadline = System.nanoTime() + settings.download().totalTimeout().toNanos();
        try (EgressProxy proxy = new EgressProxy(guard, settings.download().connectTimeout(), settings.download().readTimeout())) {
            run(command(proxy, page), work, proxy, deadline, context);
        } catch (JobFailure | InterruptedException | IOException e) {
            throw e;
        } catch (Exception e) {
            throw JobFailure.retryable("could not start the download proxy: " + e.getMessage(), e);
        }
        if (Files.exists(work.resolve(PLAYLIST_INFO))) {
            JsonNode list = JSON.readTree(work.resolve(PLAYLIST_INFO).toFile());
            throw JobFailure.permanent("the page lists " + list.path("playlist_count").asInt()
                    + " videos; submit the URL of each video");
        }
        SourcePage found = sourcePage(JSON.readTree(work.resolve(VIDEO_INFO).toFile()));
        Files.move(mediaFile(work), target, StandardCopyOption.REPLACE_EXISTING);
        long bytes = Files.size(target);
        if (bytes > settings.download().maxBytes().toBytes()) {
            throw tooLarge();
        }
        return new Resolved(bytes, found);
    }

    /**
     * One yt-dlp run: isolated from the machine, every connection through the proxy, bounded, the
     * format chosen for the ladder, file names chosen by us. A page that lists several videos is
     * only listed ({@code --flat-playlist}), never downloaded entry by entry.
     */
    private List<String> command(EgressProxy proxy, URI page) {
        int maxHeight = settings.encodeHeight().maxHeight();
        return List.of(program.toString(),
                "--ignore-config", "--no-cache-dir", "--no-cookies", "--no-cookies-from-browser",
                "--proxy", proxy.url(),
                "--socket-timeout", Long.toString(Math.max(1, settings.download().readTimeout().toSeconds())),
                "--retries", "3", "--fragment-retries", "3", "--abort-on-unavailable-fragments",
                "--no-playlist", "--flat-playlist", "--no-colors", "--no-progress",
                "--max-filesize", Long.toString(settings.download().maxBytes().toBytes()),
                "-f", "bv*[height<=?" + maxHeight + "]+ba/b[height<=?" + maxHeight + "]",
                "-S", "res:" + Math.min(settings.download().pageHeight(), maxHeight),
                "--merge-output-format", "mp4/mkv",
                "--downloader", "native",
                "--write-info-json", "--write-playlist-metafiles",
                "-o", "media.%(ext)s", "-o", "infojson:video", "-o", "pl_infojson:playlist",
                "--restrict-filenames", "--no-mtime",
                "--", page.toString());
    }

    private void run(List<String> command, Path work, EgressProxy proxy, long deadline, JobContext context)
            throws JobFailure, InterruptedException, IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve(LOG).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        isolate(builder.environment(), work, proxy);
        Process process = ChildProcesses.start(builder);
        try {
            while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                long written = downloaded(work);
                if (written > settings.download().maxBytes().toBytes()) {
                    ChildProcesses.kill(process);
                    throw tooLarge();
                }
                if (System.nanoTime() >= deadline) {
                    ChildProcesses.kill(process);
                    throw JobFailure.retryable("yt-dlp did not finish within " + HumanUnits.duration(
                            settings.download().totalTimeout()) + " (HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT); "
                            + HumanUnits.mebibytes(written) + " received");
                }
                if (written > 0) {
                    context.progress(-1, HumanUnits.mebibytes(written));
                }
            }
        } finally {
            if (process.isAlive()) {
                ChildProcesses.kill(process);
            }
        }
        List<String> refusals = proxy.refusals();
        if (!refusals.isEmpty()) {
            throw JobFailure.permanent("the page leads to an address that is refused: " + refusals.getFirst());
        }
        String log = Files.readString(work.resolve(LOG), StandardCharsets.UTF_8);
        if (log.contains("larger than max-filesize")) {
            throw tooLarge();
        }
        if (process.exitValue() != 0) {
            throw failure(log);
        }
    }

    /** yt-dlp sees the proxy and nothing else of the worker's environment. */
    private static void isolate(Map<String, String> environment, Path work, EgressProxy proxy) {
        environment.clear();
        environment.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        environment.put("HOME", work.toString());
        environment.put("XDG_CACHE_HOME", work.toString());
        environment.put("XDG_CONFIG_HOME", work.toString());
        environment.put("LANG", "C.UTF-8");
        environment.put("PYTHONDONTWRITEBYTECODE", "1");
        // Read by ffmpeg too, should yt-dlp ever hand it a network URL.
        for (String name : List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")) {
            environment.put(name, proxy.url());
        }
    }

    /** The verdict on a failed yt-dlp run, from its last error line. */
    private static JobFailure failure(String log) {
        // yt-dlp puts carriage returns inside lines (progress overwrites); they do not end a line.
        String error = log.replace("\r", "").lines().filter(line -> line.startsWith("ERROR:")).reduce((a, b) -> b)
                .map(line -> line.substring("ERROR:".length()).strip())
                .orElseGet(() -> log.lines().reduce((a, b) -> b).orElse("no output"));
        error = QUERY.matcher(error).replaceAll("$1?…");
        if (error.contains("Unsupported URL")) {
            return JobFailure.permanent("no video was found on the page (yt-dlp: " + error + ")");
        }
        if (error.contains("file:// URLs are")) {
            return JobFailure.permanent("the page points at a local file, which is never read: " + error);
        }
        if (error.matches(".*HTTP Error 4(0[0-7]|09|1\\d|2[0-8]|[3-9]\\d).*")
                || error.contains("Requested format is not available") || error.contains("No video formats")) {
            return JobFailure.permanent("yt-dlp could not get the video: " + error);
        }
        return JobFailure.retryable("yt-dlp failed: " + error);
    }

    private static SourcePage sourcePage(JsonNode info) throws JobFailure {
        String extractor = text(info, "extractor_key");
        String id = text(info, "id");
        if (extractor == null || id == null) {
            throw JobFailure.permanent("yt-dlp described the page without an extractor or id");
        }
        JsonNode duration = info.path("duration");
        return new SourcePage(extractor, id, text(info, "title"), text(info, "uploader"),
                duration.isNumber() ? duration.asDouble() : null, text(info, "thumbnail"),
                text(info, "webpage_url"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isValueNode() && !value.isNull() ? value.asString() : null;
    }

    /** The one file yt-dlp wrote under the name we chose; anything else is refused. */
    private static Path mediaFile(Path work) throws JobFailure, IOException {
        try (Stream<Path> files = Files.list(work)) {
            List<Path> media = files.filter(Files::isRegularFile)
                    .filter(file -> MEDIA_FILE.matcher(file.getFileName().toString()).matches())
                    .toList();
            if (media.size() != 1) {
                throw JobFailure.permanent("yt-dlp found the video but wrote " + media.size()
                        + " media files instead of one");
            }
            return media.getFirst();
        }
    }

    /** Bytes yt-dlp has written so far, partial files included. */
    private static long downloaded(Path work) throws IOException {
        try (Stream<Path> files = Files.walk(work)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (UncheckedIOException e) {
            return 0;
        }
    }

    private JobFailure tooLarge() {
        return JobFailure.permanent("the video on the page is larger than the limit of " + settings.download().maxBytes().toBytes()
                + " bytes (HLSFLEET_DOWNLOAD_MAX_BYTES)");
    }
}
