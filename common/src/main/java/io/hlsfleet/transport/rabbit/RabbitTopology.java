package io.hlsfleet.transport.rabbit;

import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;

/**
 * The queues of the fleet on RabbitMQ, declared the same way by every process (a declaration
 * with other arguments would be refused by the broker):
 * <ul>
 *   <li>{@code hlsfleet.<stage>}: the stage's work queue; {@code hlsfleet.download} is the intake.
 *       Quorum queues, so the broker keeps a per-message delivery count ({@code x-delivery-count})
 *       that lets a worker spot a message it keeps crashing on. {@code x-consumer-timeout} lifts
 *       the broker's 30-minute limit on holding a message, so a long encode is never cut off; the
 *       encode watchdog decides instead.</li>
 *   <li>{@code hlsfleet.<stage>.high} and {@code hlsfleet.<stage>.low}: the same for jobs of those
 *       {@linkplain Priority priorities}; {@code hlsfleet.<stage>} holds the normal ones. Workers
 *       take from the highest queue that holds a message. A queue per priority rather than the
 *       broker's message priorities: quorum queues have none before RabbitMQ 4.0 (3.x refuses
 *       {@code x-max-priority} on them) and only two levels after, while a queue per level works
 *       alike on every version; and the normal queue keeps its name and arguments, so a
 *       deployment upgrades without redeclaring a queue (which the broker would refuse).</li>
 *   <li>{@code hlsfleet.<stage>[.high|.low].retry.<delay>}: one holding queue per backoff tier
 *       and priority. Messages wait there for their TTL and are then dead-lettered back to the
 *       stage's queue of their priority.</li>
 *   <li>{@code hlsfleet.<stage>.dead}: dead letters, each one a JSON {@code DeadLetter} with the
 *       reason. A classic queue, so that reading it ({@code basic.get}, then a return) is not a
 *       delivery that counts toward a quorum queue's delivery limit. Older releases kept dead
 *       letters in a quorum queue {@code hlsfleet.<stage>.dlq}: a queue's type cannot change, so
 *       the new queue has a new name, and workers move what the old one holds.</li>
 *   <li>{@value #UNDELIVERED_WEBHOOKS_QUEUE}: the webhooks the senders gave up, classic for the
 *       same reason.</li>
 * </ul>
 * All are bound to the default exchange, so publishing to a queue is publishing with its name as
 * routing key ({@code rabbitmqadmin publish routing_key=hlsfleet.download payload=URL}).
 */
public final class RabbitTopology {

    /** Where webhook senders keep what they could not deliver ({@code io.hlsfleet.webhook.UndeliveredWebhooks}). */
    public static final String UNDELIVERED_WEBHOOKS_QUEUE = "hlsfleet.webhooks.dead";

    private final List<Duration> retryTiers;
    private final Duration consumerTimeout;

    public RabbitTopology(List<Duration> retryTiers, Duration consumerTimeout) {
        Set<Duration> distinct = new LinkedHashSet<>(retryTiers);
        this.retryTiers = distinct.stream().sorted().toList();
        this.consumerTimeout = consumerTimeout;
    }

    /** The stage's queue of normal priority: the intake, for {@code hlsfleet.download}. */
    public static String queue(Stage stage) {
        return "hlsfleet." + stage.id();
    }

    /** The stage's queue for jobs of {@code priority}. */
    public static String queue(Stage stage, Priority priority) {
        return priority == Priority.NORMAL ? queue(stage) : queue(stage) + "." + priority.id();
    }

    /** The stage's work queues, highest priority first: the order workers look in. */
    public static List<String> workQueues(Stage stage) {
        return Arrays.stream(Priority.values()).map(priority -> queue(stage, priority)).toList();
    }

    public static String deadLetterQueue(Stage stage) {
        return queue(stage) + ".dead";
    }

    /** Where older releases kept dead letters, as a quorum queue; see {@link #queues}. */
    public static String legacyDeadLetterQueue(Stage stage) {
        return queue(stage) + ".dlq";
    }

    public static String retryQueue(Stage stage, Priority priority, Duration tier) {
        return queue(stage, priority) + ".retry." + tier.toMillis() + "ms";
    }

    /** The retry tier a delay waits in: the longest tier not longer than the delay. */
    public Duration tierFor(Duration delay) {
        Duration chosen = retryTiers.getFirst();
        for (Duration tier : retryTiers) {
            if (tier.compareTo(delay) <= 0) {
                chosen = tier;
            }
        }
        return chosen;
    }

    /** Classic, like the dead-letter queues, so that listing it counts no deliveries. */
    public static Queue undeliveredWebhooksQueue() {
        return QueueBuilder.durable(UNDELIVERED_WEBHOOKS_QUEUE)
                .withArgument("x-queue-type", "classic").build();
    }

    public List<Queue> queues(Stage stage) {
        var queues = new java.util.ArrayList<Queue>();
        for (Priority priority : Priority.values()) {
            queues.add(QueueBuilder.durable(queue(stage, priority)).quorum()
                    .withArgument("x-consumer-timeout", consumerTimeout.toMillis())
                    .build());
        }
        // Classic, not quorum: a quorum queue counts every look at a message as a delivery and on
        // RabbitMQ 4 drops it after 20, so listing dead letters would delete them.
        queues.add(QueueBuilder.durable(deadLetterQueue(stage)).withArgument("x-queue-type", "classic").build());
        for (Priority priority : Priority.values()) {
            for (Duration tier : retryTiers) {
                queues.add(QueueBuilder.durable(retryQueue(stage, priority, tier))
                        .withArguments(Map.of(
                                "x-dead-letter-exchange", "",
                                "x-dead-letter-routing-key", queue(stage, priority)))
                        .build());
            }
        }
        return queues;
    }
}
