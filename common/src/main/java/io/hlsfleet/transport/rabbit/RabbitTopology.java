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
 *   <li>{@code hlsfleet.<stage>.dlq}: dead letters, each one a JSON {@code DeadLetter} with the
 *       reason.</li>
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
        queues.add(QueueBuilder.durable(deadLetterQueue(stage)).quorum().build());
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
