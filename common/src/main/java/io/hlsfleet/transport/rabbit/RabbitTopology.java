package io.hlsfleet.transport.rabbit;

import io.hlsfleet.job.Stage;
import java.time.Duration;
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
 *   <li>{@code hlsfleet.<stage>.retry.<delay>}: one holding queue per backoff tier. Messages wait
 *       there for their TTL and are then dead-lettered back to the stage's queue.</li>
 *   <li>{@code hlsfleet.<stage>.dead}: dead letters, each one a JSON {@code DeadLetter} with the
 *       reason. A classic queue, so that reading it ({@code basic.get}, then a return) is not a
 *       delivery that counts toward a quorum queue's delivery limit. Older releases kept dead
 *       letters in a quorum queue {@code hlsfleet.<stage>.dlq}: a queue's type cannot change, so
 *       the new queue has a new name, and workers move what the old one holds.</li>
 * </ul>
 * All are bound to the default exchange, so publishing to a queue is publishing with its name as
 * routing key ({@code rabbitmqadmin publish routing_key=hlsfleet.download payload=URL}).
 */
public final class RabbitTopology {

    private final List<Duration> retryTiers;
    private final Duration consumerTimeout;

    public RabbitTopology(List<Duration> retryTiers, Duration consumerTimeout) {
        Set<Duration> distinct = new LinkedHashSet<>(retryTiers);
        this.retryTiers = distinct.stream().sorted().toList();
        this.consumerTimeout = consumerTimeout;
    }

    public static String queue(Stage stage) {
        return "hlsfleet." + stage.id();
    }

    public static String deadLetterQueue(Stage stage) {
        return queue(stage) + ".dead";
    }

    /** Where older releases kept dead letters, as a quorum queue; see {@link #queues}. */
    public static String legacyDeadLetterQueue(Stage stage) {
        return queue(stage) + ".dlq";
    }

    public static String retryQueue(Stage stage, Duration tier) {
        return queue(stage) + ".retry." + tier.toMillis() + "ms";
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

    public List<Queue> queues(Stage stage) {
        var queues = new java.util.ArrayList<Queue>();
        queues.add(QueueBuilder.durable(queue(stage)).quorum()
                .withArgument("x-consumer-timeout", consumerTimeout.toMillis())
                .build());
        // Classic, not quorum: a quorum queue counts every look at a message as a delivery and on
        // RabbitMQ 4 drops it after 20, so listing dead letters would delete them.
        queues.add(QueueBuilder.durable(deadLetterQueue(stage)).withArgument("x-queue-type", "classic").build());
        for (Duration tier : retryTiers) {
            queues.add(QueueBuilder.durable(retryQueue(stage, tier))
                    .withArguments(Map.of(
                            "x-dead-letter-exchange", "",
                            "x-dead-letter-routing-key", queue(stage)))
                    .build());
        }
        return queues;
    }
}
