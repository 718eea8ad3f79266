package io.hlsfleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.job.Stage;
import io.hlsfleet.storage.s3.S3Properties;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class SettingsTest {

    @Test
    void environmentVariablesBindThroughRelaxedNames() {
        Settings settings = Settings.of(Map.of("HLSFLEET_RETRY_DELAYS", "10s, 1m,5m", "HLSFLEET_S3_PART_SIZE", "20GiB",
                "HLSFLEET_S3_MULTIPART_THRESHOLD", "64m", "HLSFLEET_SHUTDOWN_GRACE", "500ms",
                "HLSFLEET_CONSUMER_TIMEOUT", "90"));
        assertThat(settings.bind(RetryProperties.class).retryDelays())
                .containsExactly(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5));
        S3Properties s3 = settings.bind(S3Properties.class);
        assertThat(s3.partSize().toBytes()).isEqualTo(20L << 30);
        assertThat(s3.multipartThreshold().toBytes()).isEqualTo(64L << 20);
        FleetProperties fleet = settings.bind(FleetProperties.class);
        assertThat(fleet.shutdownGrace()).isEqualTo(Duration.ofMillis(500));
        assertThat(fleet.consumerTimeout()).as("a number without a unit is seconds").isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void propertyNamesAndSpringEnvironmentsBindTheSameRecords() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test",
                Map.of("hlsfleet.broker", "redis", "hlsfleet.redis.lease", "2m", "hlsfleet.concurrency", "3")));
        FleetConfig config = FleetConfig.from(Settings.of(environment));
        assertThat(config.broker()).isEqualTo("redis");
        assertThat(config.redisLease()).isEqualTo(Duration.ofMinutes(2));
        assertThat(Settings.of(environment).bind(FleetProperties.class).concurrency(Stage.DOWNLOAD)).isEqualTo(3);
        assertThat(Settings.of(Map.of("hlsfleet.broker", "memory")).bind(FleetProperties.class).broker())
                .isEqualTo(FleetProperties.Broker.MEMORY);
    }

    @Test
    void badValuesNameTheSettingTheVariableAndTheReason() {
        assertThatThrownBy(() -> FleetConfig.from(Settings.of(Map.of("HLSFLEET_BROKER", "kafka"))))
                .hasMessageContaining("hlsfleet.broker=kafka").hasMessageContaining("HLSFLEET_BROKER");
        assertThatThrownBy(() -> Settings.of(Map.of("HLSFLEET_SHUTDOWN_GRACE", "soon")).bind(FleetProperties.class))
                .hasMessageContaining("hlsfleet.shutdown-grace=soon").hasMessageContaining("HLSFLEET_SHUTDOWN_GRACE");
        assertThatThrownBy(() -> Settings.of(Map.of("HLSFLEET_MAX_ATTEMPTS", "lots")).bind(RetryProperties.class))
                .hasMessageContaining("hlsfleet.max-attempts=lots");
        assertThatThrownBy(() -> Settings.of(Map.of("HLSFLEET_S3_PART_SIZE", "big")).bind(S3Properties.class))
                .hasMessageContaining("HLSFLEET_S3_PART_SIZE");
        assertThatThrownBy(() -> Settings.of(Map.of("HLSFLEET_CONCURRENCY", "0")).bind(FleetProperties.class))
                .hasMessageContaining("HLSFLEET_CONCURRENCY must be at least 1");
    }

    @Test
    void fleetDefaults() {
        FleetConfig config = FleetConfig.from(Settings.of(Map.of()));
        assertThat(config.broker()).isEqualTo("rabbitmq");
        assertThat(config.rabbit().host()).isEqualTo("localhost");
        assertThat(config.rabbit().virtualHost()).isEqualTo("/");
        assertThat(config.rabbit().port()).isEqualTo(5672);
        assertThat(config.rabbit().ssl().enabled()).isFalse();
        assertThat(config.retryPolicy()).isEqualTo(io.hlsfleet.worker.RetryPolicy.DEFAULT);
        assertThat(config.redisUrl()).isEqualTo("redis://localhost:6379");
        assertThat(config.staging()).isEqualTo("./staging");
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void rabbitMqOverTlsDefaultsToItsTlsPortAsSpringBootDoes() {
        FleetConfig.RabbitSettings tls = FleetConfig.from(Settings.of(Map.of("SPRING_RABBITMQ_SSL_ENABLED", "true")))
                .rabbit();
        assertThat(tls.ssl().enabled()).isTrue();
        assertThat(tls.port()).isEqualTo(5671);
        assertThat(FleetConfig.from(Settings.of(Map.of("SPRING_RABBITMQ_SSL_ENABLED", "true",
                "SPRING_RABBITMQ_PORT", "15671"))).rabbit().port()).isEqualTo(15671);
    }

    @Test
    void commandLineValuesTakePrecedence() {
        Settings settings = Settings.of(Map.of("HLSFLEET_BROKER", "redis")).with(Map.of("HLSFLEET_BROKER", "memory"));
        assertThat(settings.bind(FleetProperties.class).broker()).isEqualTo(FleetProperties.Broker.MEMORY);
    }
}
