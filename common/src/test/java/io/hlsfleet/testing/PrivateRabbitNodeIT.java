package io.hlsfleet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The private node is a real broker of its own: it keeps its data over a restart and cuts its clients on demand. */
class PrivateRabbitNodeIT {

    @TempDir
    Path tmp;

    @Test
    void keepsDurableMessagesOverARestartAndCutsItsClients() throws Exception {
        Path dir = tmp.resolve("node");
        try (PrivateRabbitNode node = PrivateRabbitNode.start(dir)) {
            assertThat(node.amqpPort()).isNotEqualTo(5672);
            assertThat(node.managementPort()).isNotEqualTo(15672);
            assertThat(node.nodeName()).doesNotStartWith("rabbit@");
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost(node.host());
            factory.setPort(node.amqpPort());
            factory.setAutomaticRecoveryEnabled(false);

            Connection cut = factory.newConnection();
            Channel channel = cut.createChannel();
            channel.queueDeclare("kept", true, false, false, Map.of());
            channel.confirmSelect();
            channel.basicPublish("", "kept", MessageProperties.PERSISTENT_TEXT_PLAIN,
                    "survives".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
            node.closeConnections("/", "cut by the test");
            await("the cut connection closed").atMost(Duration.ofSeconds(10)).until(() -> !cut.isOpen());

            node.restart(Duration.ofMillis(200));
            try (Connection connection = factory.newConnection()) {
                GetResponse message = connection.createChannel().basicGet("kept", true);
                assertThat(message).as("a persistent message after a restart").isNotNull();
                assertThat(new String(message.getBody(), StandardCharsets.UTF_8)).isEqualTo("survives");
            }

            node.kill();
            assertThat(node.isRunning()).isFalse();
            assertThatThrownBy(factory::newConnection).isInstanceOf(IOException.class);
        }
        assertThat(dir).as("the node's folder after close").doesNotExist();
    }
}
