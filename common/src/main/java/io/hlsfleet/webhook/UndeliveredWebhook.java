package io.hlsfleet.webhook;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.hlsfleet.events.JobEvent;
import java.time.Instant;

/**
 * A webhook the sender gave up on, kept by the broker until it is replayed or purged
 * ({@code hlsfleet webhooks}).
 *
 * @param id the delivery's id, {@code <jobId>.<type>}, as its {@code X-Hlsfleet-Delivery} header
 *     said; an event handed out twice and given up twice is kept twice under one id
 * @param event the event whose webhook this was, the body of every try
 * @param target where it was sent, with any secret in the URL redacted
 * @param reason why the last try failed
 * @param tries how many tries were made, replays included
 * @param at when it was given up (last)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UndeliveredWebhook(String id, JobEvent event, String target, String reason, int tries, Instant at) {

    static UndeliveredWebhook of(JobEvent event, String target, String reason, int tries) {
        return new UndeliveredWebhook(deliveryId(event), event, target, reason, tries, Instant.now());
    }

    /** The {@code X-Hlsfleet-Delivery} of an event's webhook. */
    static String deliveryId(JobEvent event) {
        return event.jobId() + "." + event.type().id();
    }

    /** This delivery failed again, on a replay of {@code moreTries} more tries. */
    UndeliveredWebhook failedAgain(String newTarget, String newReason, int moreTries) {
        return new UndeliveredWebhook(id, event, newTarget, newReason, tries + moreTries, Instant.now());
    }
}
