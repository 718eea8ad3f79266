package io.hlsfleet.transport.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.job.Job;
import io.hlsfleet.job.Stage;
import io.hlsfleet.job.StageOutputs;
import io.hlsfleet.testing.PrivateRabbitNode;
import io.hlsfleet.transport.Delivery;
import io.hlsfleet.transport.HoldingHandler;
import io.hlsfleet.transport.Transport;
import io.hlsfleet.transport.TransportException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing on RabbitMQ: when the broker closes a consumer's connection (a network cut), the
 * message goes back to the queue, the handler working on it is interrupted and settles nothing,
 * and the message is delivered again once the transport has reconnected. On a node of the test's
 * own, so that cutting connections disturbs nobody else.
 */
class RabbitFencingIT {

    @TempDir
    Path tmp;

    @Test
    void aHandlerWhoseChannelClosedIsInterruptedAndTheMessageComesBack() throws Exception {
        try (PrivateRabbitNode node = PrivateRabbitNode.start(tmp.resolve("rabbitmq"));
             Transport transport = new RabbitTransport(RabbitTransport.connectionFactory(node.settings("/")), true,
                     new RabbitTopology(List.of(Duration.ofSeconds(1)), Duration.ofHours(24)))) {
            HoldingHandler handler = HoldingHandler.holdingTheFirst();
            try (Transport.Subscription ignored = transport.subscribe(Stage.ENCODE, 1, handler)) {
                Job job = Job.submit("https://videos.example/cut.mp4", false).advance(Stage.ENCODE, StageOutputs.NONE);
                transport.publish(Stage.ENCODE, job);
                handler.awaitStarted("first delivery", Duration.ofSeconds(60));

                node.closeConnections("/", "network cut staged by the test");

                Delivery stale = handler.awaitInterrupted("the handler of the cut channel is interrupted",
                        Duration.ofSeconds(20));
                assertThat(stale.lost()).isTrue();
                assertThatThrownBy(stale::ack).isInstanceOf(TransportException.class);
                Delivery again = handler.awaitStarted("the message delivered again after the cut",
                        Duration.ofSeconds(60));
                assertThat(again.job().jobId()).isEqualTo(job.jobId());
            }
        }
    }
}
