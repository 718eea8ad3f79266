package io.hlsfleet.download;

import io.hlsfleet.net.Cidr;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the download stage, {@code hlsfleet.download.*} ({@code HLSFLEET_DOWNLOAD_*}); the
 * stage gets them inside {@link DownloadSettings}. Durations without a unit are seconds.
 *
 * @param connectTimeout TCP/TLS connect timeout
 * @param readTimeout longest silence while waiting for headers or the next bytes of the body
 * @param totalTimeout longest one download may take, all tries included; ends origins that drip a
 *        byte now and then
 * @param maxBytes largest source accepted, enforced on the bytes received whatever Content-Length says
 * @param perHost connections to one host and port from one worker
 * @param attempts tries inside the download stage (with Range resume) before the job is requeued
 * @param backoff first in-stage retry delay, doubled each time with full jitter
 * @param maxBackoff longest delay between two tries, and the longest {@code Retry-After} waited
 *        out in the stage
 * @param allowedNetworks CIDRs the SSRF guard lets through although they are private, loopback or
 *        otherwise internal, e.g. {@code 192.168.1.0/24} for a NAS
 * @param ytdlp the yt-dlp that resolves page URLs: a path or a name looked up on {@code PATH};
 *        {@code off} turns page resolution off
 * @param pageSites host names (and their subdomains) whose URLs go to yt-dlp at once, without a
 *        first plain download
 * @param pageHeight the picture height wanted from a page that offers several, the top rung of the
 *        ladder; yt-dlp takes the largest format up to it, else the smallest above it
 * @param maxEntries the most videos one feed, playlist or channel URL may list; each becomes a job of
 *        its own, and a list of more is refused whole with the reason (raise it, or submit the videos
 *        wanted one by one)
 * @param s3Buckets the buckets {@code s3://} sources may name; none by default, so the worker's
 *        credentials read nothing a submitter chooses (the staging bucket is refused even if listed)
 */
@ConfigurationProperties("hlsfleet.download")
public record DownloadProperties(
        @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration connectTimeout,
        @DefaultValue("60s") @DurationUnit(ChronoUnit.SECONDS) Duration readTimeout,
        @DefaultValue("2h") @DurationUnit(ChronoUnit.SECONDS) Duration totalTimeout,
        @DefaultValue("20GB") DataSize maxBytes,
        @DefaultValue("64") int perHost,
        @DefaultValue("4") int attempts,
        @DefaultValue("1s") @DurationUnit(ChronoUnit.SECONDS) Duration backoff,
        @DefaultValue("30s") @DurationUnit(ChronoUnit.SECONDS) Duration maxBackoff,
        List<String> allowedNetworks,
        @DefaultValue("yt-dlp") String ytdlp,
        List<String> pageSites,
        @DefaultValue("1080") int pageHeight,
        @DefaultValue("200") int maxEntries,
        List<String> s3Buckets) {

    /** The variable of {@code hlsfleet.download.allowed-networks}, named in the SSRF guard's refusals. */
    public static final String ALLOWED_NETWORKS = "HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS";
    /** The variable of {@code hlsfleet.download.ytdlp}, named where page resolution is unavailable. */
    public static final String YTDLP = "HLSFLEET_DOWNLOAD_YTDLP";
    /** The variable of {@code hlsfleet.download.page-sites}. */
    public static final String PAGE_SITES = "HLSFLEET_DOWNLOAD_PAGE_SITES";
    /** The variable of {@code hlsfleet.download.max-entries}, named where a list is refused for its length. */
    public static final String MAX_ENTRIES = "HLSFLEET_DOWNLOAD_MAX_ENTRIES";

    public DownloadProperties {
        allowedNetworks = checkedNetworks(nonBlank(allowedNetworks));
        if (perHost < 1) {
            throw new IllegalArgumentException("HLSFLEET_DOWNLOAD_PER_HOST must be at least 1");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException(MAX_ENTRIES + " must be at least 1");
        }
        if (attempts < 1) {
            throw new IllegalArgumentException("HLSFLEET_DOWNLOAD_ATTEMPTS must be at least 1");
        }
        pageSites = nonBlank(pageSites).stream().map(site -> site.toLowerCase(Locale.ROOT)).toList();
        s3Buckets = nonBlank(s3Buckets);
        ytdlp = ytdlp == null ? "" : ytdlp.strip();
    }

    /** True if {@code host} is one of {@link #pageSites} or below one. */
    boolean pageSite(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return pageSites.stream().anyMatch(site -> h.equals(site) || h.endsWith("." + site));
    }

    /** {@code networks} if each is a CIDR, else why not, naming the setting. */
    static List<String> checkedNetworks(List<String> networks) {
        for (String cidr : networks) {
            try {
                Cidr.parse(cidr);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ALLOWED_NETWORKS + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(networks);
    }

    private static List<String> nonBlank(List<String> values) {
        return values == null ? List.of() : values.stream().map(String::strip).filter(v -> !v.isEmpty()).toList();
    }
}
