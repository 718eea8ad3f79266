package io.hlsfleet.transport.rabbit;

import com.rabbitmq.client.GetResponse;
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
 * Undelivered webhooks on RabbitMQ: the classic queue {@value UndeliveredWebhooks#RABBIT_QUEUE},
 * walked as the stages' dead-letter queues are (taken without an ack, the ones kept given back at
 * once to where they were), so that listing changes nothing. A walk takes only the messages the
 * queue held when it began: a replacement queued at the end is not offered again.
 */
final class RabbitUndeliveredWebhooks implements UndeliveredWebhooks {

    private static final Logger log = LoggerFactory.getLogger(RabbitUndeliveredWebhooks.class);

    private final RabbitTransport transport;

    RabbitUndeliveredWebhooks(RabbitTransport transport) {
        this.transport = transport;
    }

    @Override
    public void keep(UndeliveredWebhook webhook) {
        transport.sendToQueue(RABBIT_QUEUE, JobCodec.toJson(webhook).getBytes(StandardCharsets.UTF_8));
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
        Integer changed = transport.onChannel(channel -> {
            long held = channel.messageCount(RABBIT_QUEUE);
            int count = 0;
            long lastKept = -1;
            GetResponse response;
            for (long i = 0; i < held && (response = channel.basicGet(RABBIT_QUEUE, false)) != null; i++) {
                long tag = response.getEnvelope().getDeliveryTag();
                UndeliveredWebhook webhook = read(response.getBody());
                UndeliveredWebhook result = webhook == null ? null : visit.apply(webhook);
                if (webhook == null || result == webhook) {
                    lastKept = tag;
                    continue;
                }
                if (result != null) {
                    keep(result);
                }
                channel.basicAck(tag, false);
                count++;
            }
            if (lastKept >= 0) {
                channel.basicNack(lastKept, true, true);
            }
            return count;
        });
        return changed == null ? 0 : changed;
    }

    @Override
    public int purge() {
        return transport.purgeQueue(RABBIT_QUEUE);
    }

    /** The webhook a message holds, or null (logged) for a message that is not one. */
    private static UndeliveredWebhook read(byte[] body) {
        try {
            return JobCodec.fromJson(new String(body, StandardCharsets.UTF_8), UndeliveredWebhook.class);
        } catch (RuntimeException e) {
            log.warn("skipped a message on {} that is not an undelivered webhook: {}", RABBIT_QUEUE, e.getMessage());
            return null;
        }
    }
}
