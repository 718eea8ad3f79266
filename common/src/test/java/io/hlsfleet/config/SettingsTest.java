package io.hlsfleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static Settings of(Map<String, String> values) {
        return new Settings(values::get);
    }

    @Test
    void parsesDurationsSizesAndLists() {
        Settings s = of(Map.of("D", "10s,1m,5m", "B", "20GiB", "X", "500ms", "L", " a, b ,,c"));
        assertThat(s.durations("D", List.of())).containsExactly(Duration.ofSeconds(10), Duration.ofMinutes(1),
                Duration.ofMinutes(5));
        assertThat(s.bytes("B", 0)).isEqualTo(20L << 30);
        assertThat(s.duration("X", null)).isEqualTo(Duration.ofMillis(500));
        assertThat(s.list("L", List.of())).containsExactly("a", "b", "c");
        assertThat(s.integer("MISSING", 7)).isEqualTo(7);
    }

    @Test
    void badValuesNameTheVariable() {
        assertThatThrownBy(() -> of(Map.of("N", "lots")).integer("N", 1)).hasMessageContaining("N=lots");
        assertThatThrownBy(() -> of(Map.of("D", "soon")).duration("D", null)).hasMessageContaining("D=soon");
        assertThatThrownBy(() -> FleetConfig.from(of(Map.of("HLSFLEET_BROKER", "kafka"))))
                .hasMessageContaining("HLSFLEET_BROKER=kafka");
    }

    @Test
    void fleetDefaults() {
        FleetConfig config = FleetConfig.from(of(Map.of()));
        assertThat(config.broker()).isEqualTo("rabbitmq");
        assertThat(config.rabbit().host()).isEqualTo("localhost");
        assertThat(config.retryPolicy().maxAttempts()).isEqualTo(4);
        assertThat(config.redisUrl()).isEqualTo("redis://localhost:6379");
    }
}
