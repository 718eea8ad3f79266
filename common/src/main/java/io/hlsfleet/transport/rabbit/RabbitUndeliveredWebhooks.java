package io.hlsfleet.transport.rabbit;

import io.hlsfleet.job.JobCodec;
import io.hlsfleet.webhook.UndeliveredWebhook;
import io.hlsfleet.webhook.UndeliveredWebhooks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undelivered webhooks on RabbitMQ: the classic queue
 * {@value RabbitTopology#UNDELIVERED_WEBHOOKS_QUEUE}, walked as the stages' dead-letter queues are
 * ({@link QueueWalk}), so that listing changes nothing. A walk takes only the messages the queue
 * held when it began: a replacement queued at the end is not offered again.
 */
final class RabbitUndeliveredWebhooks implements UndeliveredWebhooks {

    private static final Logger log = LoggerFactory.getLogger(RabbitUndeliveredWebhooks.class);
    private static final String QUEUE = RabbitTopology.UNDELIVERED_WEBHOOKS_QUEUE;

    private final RabbitTransport transport;

    RabbitUndeliveredWebhooks(RabbitTransport transport) {
        this.transport = transport;
    }

    @Override
    public void keep(UndeliveredWebhook webhook) {
        transport.sendToQueue(QUEUE, JobCodec.toJson(webhook).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<UndeliveredWebhook> list(int limit) {
        List<UndeliveredWebhook> webhooks = new ArrayList<>();
        update(webhook -> {
            if (webhooks.size() < limit) {
                webhooks.add(webhook);
            }
            return webhook;
        });
        return webhooks;
    }

    @Override
    public int update(UnaryOperator<UndeliveredWebhook> visit) {
        Integer changed = transport.onChannel(channel -> QueueWalk.walk(channel, QUEUE, channel.messageCount(QUEUE),
                body -> removedOrReplaced(body, visit)));
        return changed == null ? 0 : changed;
    }

    /** Whether {@code visit} removed the message's webhook or replaced it (the replacement kept first). */
    private boolean removedOrReplaced(byte[] body, UnaryOperator<UndeliveredWebhook> visit) {
        UndeliveredWebhook webhook = read(body);
        UndeliveredWebhook result = webhook == null ? null : visit.apply(webhook);
        if (webhook == null || result == webhook) {
            return false;
        }
        if (result != null) {
            keep(result);
        }
        return true;
    }

    @Override
    public int purge() {
        return transport.purgeQueue(QUEUE);
    }

    /** The webhook a message holds, or null (logged) for a message that is not one. */
    private static UndeliveredWebhook read(byte[] body) {
        try {
            return JobCodec.fromJson(new String(body, StandardCharsets.UTF_8), UndeliveredWebhook.class);
        } catch (RuntimeException e) {
            log.warn("skipped a message on {} that is not an undelivered webhook: {}", QUEUE, e.getMessage());
            return null;
        }
    }
}
