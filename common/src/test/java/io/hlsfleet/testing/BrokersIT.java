package io.hlsfleet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.hlsfleet.config.FleetConfig;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import redis.clients.jedis.Jedis;

/** The broker fixture's choice follows the Docker engine, says so, and hands out brokers that answer. */
class BrokersIT {

    @Test
    void choosesContainersWhereDockerAnswersAndTheLocalServicesOtherwiseAndSaysWhich() throws Exception {
        boolean docker = !"false".equalsIgnoreCase(System.getenv("HLSFLEET_TESTCONTAINERS"))
                && DockerClientFactory.instance().isDockerAvailable();
        if (docker) {
            assertThat(Brokers.choice()).startsWith("a Docker engine answered: Testcontainers runs " + Brokers.RABBITMQ_IMAGE);
            assertThat(Brokers.s3()).isPresent();
        } else {
            assertThat(Brokers.choice()).startsWith("no Docker engine answered: the local services");
            assertThat(Brokers.s3()).isEmpty();
        }

        FleetConfig.RabbitSettings rabbit = Brokers.rabbit();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(rabbit.host());
        factory.setPort(rabbit.port());
        factory.setUsername(rabbit.username());
        factory.setPassword(rabbit.password());
        try (Connection connection = factory.newConnection("BrokersIT")) {
            String version = connection.getServerProperties().get("version").toString();
            if (docker) {
                assertThat(version).as("the deployment's RabbitMQ").startsWith(
                        Brokers.RABBITMQ_IMAGE.substring("rabbitmq:".length()).replace("-management", ""));
            }
        }
        try (Jedis redis = new Jedis(URI.create(Brokers.redisUrl()))) {
            assertThat(redis.ping()).isEqualTo("PONG");
        }
    }
}
