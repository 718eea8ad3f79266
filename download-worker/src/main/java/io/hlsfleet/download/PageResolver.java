package io.hlsfleet.download;

import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.ListEntry;
import io.hlsfleet.job.SourcePage;
import io.hlsfleet.job.VideoId;
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
import java.time.Duration;
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
 * <p>yt-dlp runs in the job's scratch folder, with no configuration file, cache or cookies from
 * the machine and a clean environment, twice: first it only describes the page ({@code -J}): a
 * page that lists several videos (a playlist, a channel, a page of several {@code <video>} tags)
 * gives its entries, listed and never downloaded; a page of one video is then downloaded from
 * that description ({@code --load-info-json}), so the page is not fetched again. We name the
 * output files ourselves (yt-dlp's own choice of extension cannot be trusted, see
 * GHSA-79w7-vh3h-8g4j) and the encode stage's admission checks it like any other source.
 * HLS and DASH are fetched by yt-dlp's own downloader, so ffmpeg only merges local files.
 */
final class PageResolver {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long POLL_MILLIS = 250;
    private static final Pattern MEDIA_FILE = Pattern.compile("media\\.[a-z0-9]{1,5}");
    private static final Pattern QUERY = Pattern.compile("(https?://[^\\s?#'\"]+)[?#][^\\s'\"]*");
    private static final String PAGE_INFO = "page.info.json";
    private static final String VIDEO_INFO = "video.info.json";
    private static final String LOG = "yt-dlp.log";
    /** How yt-dlp marks data it smuggles inside a URL of a listed entry; not part of the address. */
    private static final String SMUGGLED = "#__youtubedl_smuggle=";

    /**
     * What a resolved page produced: the downloaded file's size and what the page says about it,
     * or, when the page lists several videos, their entries (and nothing downloaded).
     */
    record Resolved(long bytes, SourcePage page, List<ListEntry> entries) {
    }

    private final DownloadSettings settings;
    private final SsrfGuard guard;
    private final DownloadMetrics metrics;
    private final Path program;

    PageResolver(DownloadSettings settings, SsrfGuard guard, DownloadMetrics metrics) {
        this.settings = settings;
        this.guard = guard;
        this.metrics = metrics;
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
     * Resolves {@code page}: lists its entries when it lists several videos, else downloads its
     * video to {@code target}. Counted in {@code hlsfleet.download.pages} by outcome.
     *
     * @param scratch the job's scratch folder; yt-dlp works in a folder inside it
     */
    Resolved resolve(URI page, Path scratch, Path target, JobContext context)
            throws JobFailure, InterruptedException, IOException {
        long started = System.nanoTime();
        DownloadMetrics.PageOutcome outcome = DownloadMetrics.PageOutcome.FAILED;
        try {
            Resolved resolved = resolveOnce(page, scratch, target, context);
            outcome = resolved.entries() != null ? DownloadMetrics.PageOutcome.LIST : DownloadMetrics.PageOutcome.VIDEO;
            return resolved;
        } catch (RefusedPage e) {
            outcome = DownloadMetrics.PageOutcome.REFUSED;
            throw e;
        } finally {
            metrics.page(outcome, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private Resolved resolveOnce(URI page, Path scratch, Path target, JobContext context)
            throws JobFailure, InterruptedException, IOException {
        if (program == null) {
            throw JobFailure.permanent(unavailable());
        }
        Path work = Files.createDirectories(scratch.resolve("page"));
        long deadline = System.nanoTime() + settings.download().totalTimeout().toNanos();
        try (EgressProxy proxy = new EgressProxy(guard, settings.download().connectTimeout(), settings.download().readTimeout())) {
            run(describe(proxy, page), work, proxy, deadline, context, work.resolve(PAGE_INFO));
            JsonNode info = JSON.readTree(work.resolve(PAGE_INFO).toFile());
            String type = info.path("_type").asString("video");
            if (type.equals("playlist") || type.equals("multi_video")) {
                return new Resolved(0, null, entries(info));
            }
            run(download(proxy), work, proxy, deadline, context, null);
        } catch (JobFailure | InterruptedException | IOException e) {
            throw e;
        } catch (Exception e) {
            throw JobFailure.retryable("could not start the download proxy: " + e.getMessage(), e);
        }
        SourcePage found = sourcePage(JSON.readTree(work.resolve(VIDEO_INFO).toFile()));
        Files.move(mediaFile(work), target, StandardCopyOption.REPLACE_EXISTING);
        long bytes = Files.size(target);
        if (bytes > settings.download().maxBytes().toBytes()) {
            throw tooLarge();
        }
        return new Resolved(bytes, found, null);
    }

    /**
     * The first run: describes the page, downloading nothing. A page that lists several videos is
     * only listed ({@code --flat-playlist}), one entry more than the cap at most, so that a channel
     * of thousands is not read to the end only to be refused.
     */
    private List<String> describe(EgressProxy proxy, URI page) {
        List<String> command = new ArrayList<>(common(proxy));
        command.addAll(List.of("--flat-playlist", "--dump-single-json",
                "--playlist-end", Integer.toString(settings.download().maxEntries() + 1),
                "--", page.toString()));
        return command;
    }

    /** The second run: downloads the one video the first run described, in the format chosen for the ladder. */
    private List<String> download(EgressProxy proxy) {
        List<String> command = new ArrayList<>(common(proxy));
        command.addAll(List.of("--no-progress",
                "--max-filesize", Long.toString(settings.download().maxBytes().toBytes()),
                "--merge-output-format", "mp4/mkv",
                "--downloader", "native",
                "--write-info-json",
                "-o", "media.%(ext)s", "-o", "infojson:video",
                "--restrict-filenames", "--no-mtime",
                "--load-info-json", PAGE_INFO));
        return command;
    }

    /** Both runs: isolated from the machine, every connection through the proxy, bounded, the format chosen for the ladder. */
    private List<String> common(EgressProxy proxy) {
        int maxHeight = settings.encodeHeight().maxHeight();
        return List.of(program.toString(),
                "--ignore-config", "--no-cache-dir", "--no-cookies", "--no-cookies-from-browser",
                "--proxy", proxy.url(),
                "--socket-timeout", Long.toString(Math.max(1, settings.download().readTimeout().toSeconds())),
                "--retries", "3", "--fragment-retries", "3", "--abort-on-unavailable-fragments",
                "--no-playlist", "--no-colors",
                "-f", "bv*[height<=?" + maxHeight + "]+ba/b[height<=?" + maxHeight + "]",
                "-S", "res:" + Math.min(settings.download().pageHeight(), maxHeight));
    }

    /**
     * The entries of a listing page. An entry yt-dlp names by extractor and id (a video of a
     * playlist or channel) gets the id that video has when pasted alone; one it only found on the
     * page (a {@code <video>} tag among several) is known by its address.
     */
    static List<ListEntry> entries(JsonNode info) {
        List<ListEntry> entries = new ArrayList<>();
        for (JsonNode entry : info.path("entries")) {
            String url = text(entry, "url");
            if (url == null) {
                url = text(entry, "webpage_url");
            }
            if (url == null) {
                continue;
            }
            int smuggled = url.indexOf(SMUGGLED);
            if (smuggled >= 0) {
                url = url.substring(0, smuggled);
            }
            String type = entry.path("_type").asString("video");
            String extractor = text(entry, "ie_key");
            String id = text(entry, "id");
            String videoId = type.startsWith("url") && extractor != null && id != null
                    ? VideoId.fromPage(extractor, id) : null;
            entries.add(new ListEntry(url, videoId, text(entry, "title")));
        }
        return entries;
    }

    /** One run of yt-dlp; {@code stdout}, when not null, takes its standard output apart from its log. */
    private void run(List<String> command, Path work, EgressProxy proxy, long deadline, JobContext context,
            Path stdout) throws JobFailure, InterruptedException, IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        if (stdout == null) {
            builder.redirectErrorStream(true).redirectOutput(work.resolve(LOG).toFile());
        } else {
            builder.redirectOutput(stdout.toFile()).redirectError(work.resolve(LOG).toFile());
        }
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
            throw new RefusedPage("the page leads to an address that is refused: " + refusals.getFirst());
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

    /** A page refused because something it leads to is at a refused address. */
    private static final class RefusedPage extends JobFailure {
        RefusedPage(String reason) {
            super(reason, false, null);
        }
    }

    private JobFailure tooLarge() {
        return JobFailure.permanent("the video on the page is larger than the limit of " + settings.download().maxBytes().toBytes()
                + " bytes (HLSFLEET_DOWNLOAD_MAX_BYTES)");
    }
}
