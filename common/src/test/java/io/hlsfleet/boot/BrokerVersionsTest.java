package io.hlsfleet.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerVersionsTest {

    private static final long DAY = 86_400_000L;

    @Test
    void rabbitWithoutQuorumQueuesIsRefused() {
        BrokerVersions.Verdict verdict = BrokerVersions.rabbit("3.7.28", "HLSFLEET_CONSUMER_TIMEOUT", DAY);
        assertThat(verdict.refusal()).contains("RabbitMQ 3.7.28", "quorum queues", "3.10");
    }

    @Test
    void rabbitBefore312RunsWithAWarningToRaiseTheNodesConsumerTimeout() {
        for (String version : List.of("3.10.8", "3.11.28")) {
            BrokerVersions.Verdict verdict = BrokerVersions.rabbit(version, "HLSFLEET_CONSUMER_TIMEOUT", DAY);
            assertThat(verdict.refusal()).as(version).isNull();
            assertThat(verdict.warning()).as(version).contains("x-consumer-timeout", "consumer_timeout = 86400000",
                    "HLSFLEET_CONSUMER_TIMEOUT");
        }
    }

    @Test
    void rabbit312AndNewerIsFine() {
        for (String version : List.of("3.12.0", "3.13.7", "4.0.5", "4.1.4", "4.2.0-rc.1")) {
            assertThat(BrokerVersions.rabbit(version, "HLSFLEET_CONSUMER_TIMEOUT", DAY)).as(version)
                    .isEqualTo(BrokerVersions.Verdict.FINE);
        }
    }

    @Test
    void redisBefore62IsRefused() {
        assertThat(BrokerVersions.redis("6.0.16", List.of()).refusal()).contains("Redis 6.0.16", "XAUTOCLAIM", "6.2");
        assertThat(BrokerVersions.redis("5.0.7", List.of()).refusal()).contains("6.2");
    }

    @Test
    void redisThatRefusesACommandTheTransportSendsIsRefused() {
        assertThat(BrokerVersions.redis("7.0.15", List.of("XAUTOCLAIM")).refusal())
                .contains("does not accept XAUTOCLAIM", "rename-command");
    }

    @Test
    void redis62AndNewerIsFine() {
        for (String version : List.of("6.2.14", "7.0.15", "7.4.1", "8.0.2")) {
            assertThat(BrokerVersions.redis(version, List.of())).as(version).isEqualTo(BrokerVersions.Verdict.FINE);
        }
    }

    @Test
    void infoFieldReadsOneLineOfAnInfoAnswer() {
        assertThat(BrokerCheck.infoField("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n", "redis_version"))
                .isEqualTo("7.0.15");
    }
}
