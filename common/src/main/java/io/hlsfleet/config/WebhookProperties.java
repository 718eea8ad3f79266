package io.hlsfleet.config;

import io.hlsfleet.net.Cidr;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.net.SsrfGuard;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * The webhooks that tell a site about finished jobs ({@code io.hlsfleet.webhook}). Durations
 * without a unit are seconds.
 *
 * @param url {@code HLSFLEET_WEBHOOK_URL}: where {@code published}, {@code dead} and {@code cancelled}
 *        events are POSTed; the operator's own, so it is not held to the SSRF guard. A job's
 *        {@code callbackUrl} option (when {@code HLSFLEET_INTAKE_ALLOWED_OPTIONS} allows it) takes its
 *        place for that job
 * @param secret {@code HLSFLEET_WEBHOOK_SECRET}: key of the HMAC-SHA256 signature of every delivery;
 *        required once webhooks are on
 * @param attempts {@code HLSFLEET_WEBHOOK_ATTEMPTS}: tries of one delivery before it is given up
 *        (logged, counted and published as an {@code undelivered} event)
 * @param backoff {@code HLSFLEET_WEBHOOK_BACKOFF}: the wait after the first failed try, doubled
 *        after each further one, with jitter
 * @param maxBackoff {@code HLSFLEET_WEBHOOK_MAX_BACKOFF}: the longest wait between two tries
 * @param timeout {@code HLSFLEET_WEBHOOK_TIMEOUT}: connect and response timeout of one try
 * @param allowedNetworks {@code HLSFLEET_WEBHOOK_ALLOWED_NETWORKS}: CIDRs the SSRF guard lets
 *        callback URLs reach although they are private, loopback or otherwise internal
 * @param concurrency {@code HLSFLEET_WEBHOOK_CONCURRENCY}: deliveries one process makes at once
 */
@ConfigurationProperties("hlsfleet.webhook")
public record WebhookProperties(
        String url,
        String secret,
        @DefaultValue("8") int attempts,
        @DefaultValue("1s") @DurationUnit(ChronoUnit.SECONDS) Duration backoff,
        @DefaultValue("5m") @DurationUnit(ChronoUnit.SECONDS) Duration maxBackoff,
        @DefaultValue("10s") @DurationUnit(ChronoUnit.SECONDS) Duration timeout,
        List<String> allowedNetworks,
        @DefaultValue("4") int concurrency) {

    /** The variable of {@code hlsfleet.webhook.allowed-networks}, named in the guard's refusals. */
    public static final String ALLOWED_NETWORKS = "HLSFLEET_WEBHOOK_ALLOWED_NETWORKS";

    public WebhookProperties {
        url = url == null || url.isBlank() ? null : url.strip();
        secret = secret == null || secret.isBlank() ? null : secret.strip();
        allowedNetworks = allowedNetworks == null ? List.of()
                : allowedNetworks.stream().map(String::strip).filter(n -> !n.isEmpty()).toList();
        guard(allowedNetworks);
        if (attempts < 1 || concurrency < 1) {
            throw new IllegalArgumentException("HLSFLEET_WEBHOOK_ATTEMPTS and HLSFLEET_WEBHOOK_CONCURRENCY must be at"
                    + " least 1");
        }
    }

    /** The SSRF guard of callback URLs: internal addresses refused unless in {@code networks}. */
    public static SsrfGuard guard(List<String> networks) {
        List<Cidr> cidrs;
        try {
            cidrs = networks.stream().map(Cidr::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ALLOWED_NETWORKS + ": " + e.getMessage(), e);
        }
        return new SsrfGuard(cidrs, HostResolver.SYSTEM, "only http and https URLs can receive webhooks",
                range -> "set " + ALLOWED_NETWORKS + "=" + range);
    }
}
