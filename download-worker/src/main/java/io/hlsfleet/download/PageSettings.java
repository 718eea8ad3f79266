package io.hlsfleet.download;

import io.hlsfleet.config.EncodeHeightProperties;
import io.hlsfleet.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Settings of page resolution: URLs that answer with a web page (or belong to a listed site) are
 * handed to yt-dlp, which finds the video on the page.
 *
 * @param ytDlp {@code HLSFLEET_DOWNLOAD_YTDLP}: the yt-dlp program, a path or a name looked up on
 *        {@code PATH}; default {@code yt-dlp}; {@code off} turns page resolution off
 * @param sites {@code HLSFLEET_DOWNLOAD_PAGE_SITES}: comma-separated host names (and their
 *        subdomains) whose URLs go to yt-dlp at once, without a first plain download; empty by
 *        default
 * @param height {@code HLSFLEET_DOWNLOAD_PAGE_HEIGHT}: the picture height wanted from a page that
 *        offers several, the top rung of the ladder; yt-dlp takes the largest format up to it,
 *        else the smallest above it; default 1080
 * @param maxHeight {@code HLSFLEET_ENCODE_MAX_HEIGHT}, the encoder's admission limit: formats
 *        taller than this are never chosen; default 4320
 */
public record PageSettings(String ytDlp, List<String> sites, int height, int maxHeight) {

    public static final String YTDLP = "HLSFLEET_DOWNLOAD_YTDLP";
    public static final String SITES = "HLSFLEET_DOWNLOAD_PAGE_SITES";

    public PageSettings {
        sites = sites.stream().map(site -> site.strip().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList();
        if (height < 1 || maxHeight < 1) {
            throw new IllegalArgumentException("HLSFLEET_DOWNLOAD_PAGE_HEIGHT and HLSFLEET_ENCODE_MAX_HEIGHT must be"
                    + " positive");
        }
    }

    /** Page resolution as {@code hlsfleet.download.*} and the encoder's {@code hlsfleet.encode.max-height} say. */
    public static PageSettings from(DownloadProperties download, Settings settings) {
        return new PageSettings(download.ytdlp(), download.pageSites(), download.pageHeight(),
                settings.bind(EncodeHeightProperties.class).maxHeight());
    }

    /** True if {@code host} is one of {@link #sites} or below one. */
    boolean listed(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return sites.stream().anyMatch(site -> h.equals(site) || h.endsWith("." + site));
    }

    /**
     * The yt-dlp executable, or {@code null} when page resolution is off; {@link #unavailable}
     * says why.
     */
    Path program() {
        if (ytDlp.isBlank() || ytDlp.equalsIgnoreCase("off")) {
            return null;
        }
        if (ytDlp.contains("/")) {
            Path path = Path.of(ytDlp);
            return Files.isExecutable(path) ? path : null;
        }
        String searchPath = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : searchPath.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, ytDlp))) {
                return Path.of(dir, ytDlp);
            }
        }
        return null;
    }

    /** Why pages cannot be resolved, for a person to read. */
    String unavailable() {
        if (ytDlp.isBlank() || ytDlp.equalsIgnoreCase("off")) {
            return "page resolution is off (" + YTDLP + "=off)";
        }
        return "page resolution needs yt-dlp, and '" + ytDlp + "' was not found; install yt-dlp or set " + YTDLP
                + " to its path";
    }
}
