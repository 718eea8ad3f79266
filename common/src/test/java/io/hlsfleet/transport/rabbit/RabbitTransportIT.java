package io.hlsfleet.transport.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hlsfleet.config.FleetConfig;
import io.hlsfleet.job.DeadLetter;
import io.hlsfleet.job.JobCodec;
import io.hlsfleet.job.JobFailure;
import io.hlsfleet.job.Stage;
import io.hlsfleet.testing.Brokers;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.TransportContract;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * The contract against the RabbitMQ named by {@link Brokers}, on the fleet's own queue names in a
 * virtual host of the suite's own, so that workers running against the same broker cannot take
 * the suite's messages.
 */
class RabbitTransportIT extends TransportContract {

    private static final String VHOST = "hlsfleet-contract";
    private static final FleetConfig.RabbitSettings RABBIT = Brokers.isolatedRabbit(VHOST);

    /** The tier the contract's short retries wait in. */
    private static final List<Duration> RETRY_TIERS = List.of(Duration.ofSeconds(1));

    @Override
    protected Transport newTransport() {
        return new RabbitTransport(RabbitTransport.connectionFactory(RABBIT), true, topology());
    }

    private static RabbitTopology topology() {
        return new RabbitTopology(RETRY_TIERS, Duration.ofHours(24));
    }

    /** A policy that caps the dead-letter queue at nothing and refuses what would go beyond. */
    @Override
    protected AutoCloseable refuseDeadLetters(Stage stage) {
        String queue = RabbitTopology.deadLetterQueue(stage);
        Brokers.setRabbitPolicy(VHOST, "refuse-dead-letters", "^" + queue.replace(".", "\\\\.") + "$",
                "{\"max-length\":0,\"overflow\":\"reject-publish\"}", queue);
        return () -> Brokers.deleteRabbitPolicy(VHOST, "refuse-dead-letters");
    }

    @Override
    protected Runnable connectionCutter() {
        return () -> Brokers.closeRabbitConnections(VHOST);
    }

    /** An upgrade keeps the dead letters an older release left in its quorum queue. */
    @Test
    void deadLettersOfTheOldQuorumQueueMoveToTheClassicOne() {
        ConnectionFactory connections = ((RabbitTransport) transport).connectionFactory();
        RabbitAdmin admin = new RabbitAdmin(connections);
        String legacy = RabbitTopology.legacyDeadLetterQueue(Stage.UPLOAD);
        admin.declareQueue(QueueBuilder.durable(legacy).quorum().build());
        try {
            DeadLetter letter = DeadLetter.of(job(Stage.UPLOAD, "from-an-older-release"),
                    JobFailure.permanent("kept across the upgrade"));
            new RabbitTemplate(connections).send("", legacy, new Message(JobCodec.encode(letter)));
            await("one message on the legacy queue").atMost(Duration.ofSeconds(10))
                    .until(() -> admin.getQueueInfo(legacy).getMessageCount() == 1);

            Transport upgraded = open();

            assertThat(upgraded.deadLetters(Stage.UPLOAD, 10)).extracting(DeadLetter::reason)
                    .containsExactly("kept across the upgrade");
            assertThat(admin.getQueueInfo(legacy).getMessageCount()).isZero();
        } finally {
            admin.deleteQueue(legacy);
        }
    }

    @Override
    protected void purgeBroker() {
        try (RabbitTransport declaring = (RabbitTransport) newTransport()) {
            RabbitAdmin admin = new RabbitAdmin(declaring.connectionFactory());
            for (Stage stage : Stage.values()) {
                topology().queues(stage).forEach(queue -> admin.purgeQueue(queue.getName(), false));
            }
        }
    }
}
