package io.hlsfleet.webhook;

import io.hlsfleet.config.IntakeProperties;
import io.hlsfleet.config.Settings;
import io.hlsfleet.config.WebhookProperties;
import io.hlsfleet.events.EventBus;
import io.hlsfleet.events.JobEvent;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.SourceUrls;
import io.hlsfleet.net.GuardedDnsResolver;
import io.hlsfleet.net.RefusedDestination;
import io.hlsfleet.net.SsrfGuard;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs the terminal events of jobs ({@code published}, {@code dead}, {@code cancelled}, from any
 * stage, and {@code unpublished} when {@code hlsfleet unpublish} removed a video) to the site: to
 * the job's {@code callbackUrl} option when it has one, else to {@code HLSFLEET_WEBHOOK_URL}. It consumes the fleet's event stream as the shared group
 * {@value #GROUP} ({@link EventBus#share}), so every process that runs a sender takes a part of the
 * deliveries, and events that arrive while none runs wait for one.
 *
 * <p>A delivery is tried up to {@code HLSFLEET_WEBHOOK_ATTEMPTS} times, with exponential backoff
 * and jitter, each try signed afresh ({@link WebhookSignature}); any 2xx answer ends it. One that
 * is still not delivered then is given up visibly: an error in the log, the counter
 * {@code hlsfleet_webhook_deliveries_total{outcome="undelivered"}}, an {@code undelivered}
 * event on the bus, which {@code hlsfleet events} shows, and above all a copy kept on the broker
 * ({@link UndeliveredWebhooks}) until an operator {@linkplain #replay replays} it. A callback URL
 * must pass the SSRF guard at every connection ({@code HLSFLEET_WEBHOOK_ALLOWED_NETWORKS}); the
 * operator's own URL is trusted as configuration.
 */
public final class WebhookSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    /** The name the senders share the event stream under. */
    public static final String GROUP = "webhooks";
    static final List<String> TERMINAL = List.of("published.#", "dead.#", "cancelled.#", "unpublished.#");
    public static final String EVENT_HEADER = "X-Hlsfleet-Event";
    public static final String DELIVERY_HEADER = "X-Hlsfleet-Delivery";
    private static final Duration SUBSCRIBE_RETRY = Duration.ofSeconds(15);
    private static final String REFUSED = "refused: ";

    private final WebhookProperties settings;
    private final EventBus bus;
    private final UndeliveredWebhooks kept;
    private final WebhookSignature signature;
    private final SsrfGuard guard;
    private final CloseableHttpClient operatorClient;
    private final CloseableHttpClient callbackClient;
    private final Counter delivered;
    private final Counter undelivered;
    private final Counter retried;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile EventBus.Feed feed;
    private Thread subscriber;

    WebhookSender(WebhookProperties settings, EventBus bus, MeterRegistry registry) {
        this(settings, bus, bus.undeliveredWebhooks(), registry);
    }

    WebhookSender(WebhookProperties settings, EventBus bus, UndeliveredWebhooks kept, MeterRegistry registry) {
        if (settings.secret() == null) {
            throw new IllegalArgumentException("webhooks are on (HLSFLEET_WEBHOOK_URL, or callbackUrl in"
                    + " HLSFLEET_INTAKE_ALLOWED_OPTIONS) but HLSFLEET_WEBHOOK_SECRET, the key that signs them, is not"
                    + " set");
        }
        this.settings = settings;
        this.bus = bus;
        this.kept = kept;
        this.signature = new WebhookSignature(settings.secret());
        this.guard = WebhookProperties.guard(settings.allowedNetworks());
        this.operatorClient = client(null);
        this.callbackClient = client(guard);
        this.delivered = deliveries(registry, "delivered");
        this.undelivered = deliveries(registry, "undelivered");
        this.retried = Counter.builder("hlsfleet.webhook.retries").description("webhook tries that failed and were"
                + " tried again").register(registry);
    }

    /**
     * The sender of a fleet process, when webhooks are on: {@code HLSFLEET_WEBHOOK_URL} is set, or
     * jobs may name a {@code callbackUrl}. Not started yet.
     */
    public static Optional<WebhookSender> from(Settings settings, EventBus bus, MeterRegistry registry) {
        WebhookProperties webhook = settings.bind(WebhookProperties.class);
        boolean callbacks = settings.bind(IntakeProperties.class).allowedOptions().contains("callbackUrl");
        if (webhook.url() == null && !callbacks) {
            return Optional.empty();
        }
        return Optional.of(new WebhookSender(webhook, bus, registry));
    }

    /**
     * A sender that only {@linkplain #replay replays} what the fleet's senders gave up, for the
     * command line: it needs {@code HLSFLEET_WEBHOOK_SECRET}, and {@code HLSFLEET_WEBHOOK_URL} for
     * the webhooks of jobs without a callback URL.
     */
    public static WebhookSender forReplay(Settings settings, EventBus bus) {
        return new WebhookSender(settings.bind(WebhookProperties.class), bus, new SimpleMeterRegistry());
    }

    /**
     * Starts consuming the event stream, in the background: a broker that cannot be reached yet
     * is tried again every {@link #SUBSCRIBE_RETRY}, so a worker still starts without it.
     */
    public WebhookSender start() {
        subscriber = Thread.ofVirtual().name("hlsfleet-webhooks-subscriber").start(() -> {
            while (closing.getCount() > 0) {
                try {
                    feed = bus.share(GROUP, TERMINAL, settings.concurrency(), this::deliver);
                    log.info("sending webhooks of terminal events ({} at once)", settings.concurrency());
                    if (closing.getCount() == 0) {
                        feed.close();
                    }
                    return;
                } catch (RuntimeException e) {
                    log.warn("webhooks cannot subscribe to the events yet, trying again in {} s: {}",
                            SUBSCRIBE_RETRY.toSeconds(), e.getMessage());
                }
                try {
                    if (closing.await(SUBSCRIBE_RETRY.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return this;
    }

    /** True once the sender consumes the event stream (events published before may not reach it). */
    public boolean subscribed() {
        return feed != null;
    }

    /**
     * Delivers one event, trying until a 2xx answer or the tries are spent. Throws only when the
     * sender stops meanwhile, so the event is handed out again rather than given up.
     */
    void deliver(JobEvent event) {
        String target = target(event);
        if (target == null) {
            return;
        }
        String shown = SourceUrls.redact(target);
        byte[] body = body(event);
        String failure = null;
        int tries = 0;
        while (tries < settings.attempts()) {
            if (closing.getCount() == 0) {
                throw new IllegalStateException("the webhook sender is stopping");
            }
            tries++;
            failure = tryOnce(target, event, body);
            if (failure == null) {
                delivered.increment();
                log.info("webhook of the {} event of job {} delivered to {} (try {})", event.routingKey(),
                        event.jobId(), shown, tries);
                return;
            }
            if (failure.startsWith(REFUSED)) {
                break;
            }
            if (tries < settings.attempts()) {
                retried.increment();
                log.debug("webhook of job {} to {} failed ({}), trying again", event.jobId(), shown, failure);
                pause(backoff(tries));
            }
        }
        giveUp(event, shown, tries, failure);
    }

    /** Where the webhook of {@code event} goes: the job's callback URL, else the fleet's; null if neither is set. */
    private String target(JobEvent event) {
        return event.callbackUrl() != null ? event.callbackUrl() : settings.url();
    }

    /** One signed try; null when the receiver took it, else why not (starting with "refused: " for an address the guard refused). */
    private String tryOnce(String target, JobEvent event, byte[] body) {
        try {
            int status = post(target, event.callbackUrl() != null, event, body);
            return status / 100 == 2 ? null : "HTTP " + status;
        } catch (IOException e) {
            RefusedDestination refused = RefusedDestination.causeOf(e);
            if (refused != null) {
                return REFUSED + refused.getMessage();
            }
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
    }

    private int post(String target, boolean callback, JobEvent event, byte[] body) throws IOException {
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new RefusedDestination("'" + SourceUrls.redact(target) + "' is not a URL");
        }
        if (callback) {
            guard.checkUrl(uri);
        }
        long timestamp = Instant.now().getEpochSecond();
        HttpPost post = new HttpPost(uri);
        post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
        post.setHeader(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp));
        post.setHeader(WebhookSignature.SIGNATURE_HEADER, signature.sign(timestamp, body));
        post.setHeader(EVENT_HEADER, event.routingKey());
        post.setHeader(DELIVERY_HEADER, UndeliveredWebhook.deliveryId(event));
        return (callback ? callbackClient : operatorClient).execute(post, response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode();
        });
    }

    /**
     * Keeps the delivery on the broker first: if the broker does not take it, the event is handed
     * out again (this throws), so a webhook is never given up without a trace an operator can replay.
     */
    private void giveUp(JobEvent event, String target, int tries, String failure) {
        String reason = "webhook to " + target + " not delivered after " + tries + " tr" + (tries == 1 ? "y" : "ies")
                + ": " + failure;
        try {
            kept.keep(UndeliveredWebhook.of(event, target, failure, tries));
        } catch (RuntimeException e) {
            log.warn("could not keep the undelivered webhook of job {} ({}); its event will be handed out again",
                    event.jobId(), e.getMessage());
            throw e;
        }
        undelivered.increment();
        log.error("gave up the webhook of the {} event of job {}: {}", event.routingKey(), event.jobId(), reason);
        try {
            bus.publish(event.undelivered(reason));
        } catch (RuntimeException e) {
            log.warn("could not publish the undelivered event of job {}: {}", event.jobId(), e.getMessage());
        }
    }

    /**
     * What became of one kept webhook on a replay.
     *
     * @param failure null when the receiver took it (it is no longer kept), else why not (it stays kept, with this reason)
     */
    public record Replayed(UndeliveredWebhook webhook, String failure) {
    }

    /**
     * Sends the kept webhooks that {@code which} picks again, oldest first, one try each, signed
     * afresh and to the address the sender would use now (the job's callback URL through the SSRF
     * guard, else {@code HLSFLEET_WEBHOOK_URL}); the delivered ones are removed, the others stay
     * with the new failure.
     */
    public List<Replayed> replay(Predicate<UndeliveredWebhook> which) {
        List<Replayed> results = new ArrayList<>();
        kept.update(webhook -> {
            if (!which.test(webhook)) {
                return webhook;
            }
            String target = target(webhook.event());
            if (target == null) {
                results.add(new Replayed(webhook, "no address: the job has no callback URL and HLSFLEET_WEBHOOK_URL"
                        + " is not set"));
                return webhook;
            }
            String shown = SourceUrls.redact(target);
            String failure = tryOnce(target, webhook.event(), body(webhook.event()));
            results.add(new Replayed(webhook, failure));
            if (failure == null) {
                delivered.increment();
                log.info("replayed webhook {} delivered to {}", webhook.id(), shown);
                return null;
            }
            return webhook.failedAgain(shown, failure, 1);
        });
        return results;
    }

    /** What every try of {@code event}'s webhook sends. */
    private static byte[] body(JobEvent event) {
        return JobCodec.toJson(event).getBytes(StandardCharsets.UTF_8);
    }

    /** Waits {@code delay}; throws when the sender stops meanwhile, so the event goes back unsettled. */
    private void pause(Duration delay) {
        try {
            if (closing.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the webhook sender is stopping");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to try a webhook again", e);
        }
    }

    /** Between half and all of {@code backoff * 2^(tries-1)}, capped at the longest backoff. */
    Duration backoff(int tries) {
        long ceiling = Math.min(settings.maxBackoff().toMillis(),
                settings.backoff().toMillis() << Math.min(tries - 1, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, Math.max(ceiling, 1) + 1));
    }

    /** A client that follows no redirects (a 3xx is a failed try) and, with a guard, connects only where it allows. */
    private CloseableHttpClient client(SsrfGuard connectGuard) {
        Timeout timeout = Timeout.of(settings.timeout());
        var connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(timeout)
                        .setSocketTimeout(timeout).build());
        if (connectGuard != null) {
            connections.setDnsResolver(new GuardedDnsResolver(connectGuard));
        }
        return HttpClients.custom()
                .setConnectionManager(connections.build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(timeout)
                        .setConnectionRequestTimeout(timeout).setRedirectsEnabled(false).build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .setUserAgent("hlsfleet-webhook")
                .build();
    }

    private static Counter deliveries(MeterRegistry registry, String outcome) {
        return Counter.builder("hlsfleet.webhook.deliveries").tag("outcome", outcome)
                .description("webhook deliveries by how they ended").register(registry);
    }

    /** Stops taking events; deliveries waiting to try again go back to the stream unsettled. */
    @Override
    public void close() {
        closing.countDown();
        if (subscriber != null) {
            subscriber.interrupt();
            try {
                subscriber.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        EventBus.Feed running = feed;
        if (running != null) {
            running.close();
        }
        operatorClient.close(CloseMode.GRACEFUL);
        callbackClient.close(CloseMode.GRACEFUL);
    }
}
