package io.hlsfleet.transport.rabbit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;

/**
 * Looks at the messages of a classic queue one by one on one channel, taking each without an ack:
 * those {@link Visit#remove} accepts are acked, the others are all given back with one
 * {@code basic.nack} at the end. On a classic queue, which counts no deliveries and puts returned
 * messages back where they were, a walk that removes nothing changes nothing.
 */
final class QueueWalk {

    /** Decides about one message; it may queue something elsewhere first (a requeue, a replacement). */
    @FunctionalInterface
    interface Visit {
        boolean remove(byte[] body) throws IOException;
    }

    private QueueWalk() {
    }

    /**
     * Walks {@code queue}, looking at no more than {@code limit} messages: a walk that queues
     * replacements on the queue it walks stops at the count the queue held when it began, so it
     * never meets its own replacements.
     *
     * @return how many messages were removed
     */
    static int walk(Channel channel, String queue, long limit, Visit visit) throws IOException {
        int removed = 0;
        long lastKept = -1;
        GetResponse response;
        for (long i = 0; i < limit && (response = channel.basicGet(queue, false)) != null; i++) {
            long tag = response.getEnvelope().getDeliveryTag();
            if (visit.remove(response.getBody())) {
                channel.basicAck(tag, false);
                removed++;
            } else {
                lastKept = tag;
            }
        }
        if (lastKept >= 0) {
            channel.basicNack(lastKept, true, true);
        }
        return removed;
    }
}
