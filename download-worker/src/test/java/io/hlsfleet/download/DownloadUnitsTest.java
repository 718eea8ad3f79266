package io.hlsfleet.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hlsfleet.config.Settings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parsers and decisions of the download stage. */
class DownloadUnitsTest {

    @Test
    void hostSlotsLimitEachHostAndForgetHostsNobodyUses() throws Exception {
        HostSlots slots = new HostSlots(2);
        for (int i = 0; i < 1000; i++) {
            String host = "origin-" + i + ".example:443";
            assertThat(slots.tryAcquire(host, 1_000_000)).isTrue();
            slots.release(host);
        }
        assertThat(slots.hostsInUse()).as("hosts tracked after 1000 finished transfers").isZero();

        assertThat(slots.tryAcquire("busy:80", 1_000_000)).isTrue();
        assertThat(slots.tryAcquire("busy:80", 1_000_000)).isTrue();
        assertThat(slots.tryAcquire("busy:80", 1_000_000)).as("a third transfer to a host limited to 2").isFalse();
        assertThat(slots.tryAcquire("other:80", 1_000_000)).as("another host is not held up").isTrue();
        assertThat(slots.hostsInUse()).isEqualTo(2);
        slots.release("busy:80");
        assertThat(slots.tryAcquire("busy:80", 1_000_000)).as("a slot given back is free again").isTrue();
        slots.release("busy:80");
        slots.release("busy:80");
        slots.release("other:80");
        assertThat(slots.hostsInUse()).isZero();
    }

    @Test
    void sniffingTellsPagesAndTextFromMedia() {
        assertThat(kind("<!DOCTYPE html><html><body>Not found</body></html>")).isEqualTo("an HTML page");
        assertThat(kind("\uFEFF  <html lang=en>")).isEqualTo("an HTML page");
        assertThat(kind("#EXTM3U\n#EXT-X-VERSION:3\n")).isEqualTo("text");
        assertThat(kind("{\"error\":\"expired\"}")).isEqualTo("text");
        byte[] mp4 = Fixtures.video(512, 1);
        assertThat(BodySink.textKind(mp4, mp4.length)).isNull();
        byte[] ts = new byte[188];
        ts[0] = 0x47;
        assertThat(BodySink.textKind(ts, ts.length)).isNull();
    }

    private static String kind(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return BodySink.textKind(bytes, bytes.length);
    }

    @Test
    void readsContentRangeAndRetryAfter() {
        assertThat(HttpDownloader.contentRange("bytes 100-199/200")).containsExactly(100, 199, 200);
        assertThat(HttpDownloader.contentRange("bytes 100-199/*")).containsExactly(100, 199, -1);
        assertThat(HttpDownloader.contentRange("items 1-2/3")).isNull();
        assertThat(HttpDownloader.contentRange("bytes nonsense")).isNull();
        assertThat(HttpDownloader.parseRetryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(HttpDownloader.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(HttpDownloader.parseRetryAfter("soon")).isNull();
    }

    @Test
    void backoffGrowsAndStaysCapped() {
        try (HttpDownloader downloader = new HttpDownloader(Fixtures.settings("HLSFLEET_DOWNLOAD_BACKOFF", "100ms",
                "HLSFLEET_DOWNLOAD_MAX_BACKOFF", "1s"))) {
            for (int i = 0; i < 20; i++) {
                assertThat(downloader.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
                assertThat(downloader.backoff(3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
                assertThat(downloader.backoff(30)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void settingsReadTheEnvironmentAndRejectBadNetworks() {
        DownloadSettings defaults = DownloadSettings.from(Settings.of(Map.of()), false);
        assertThat(defaults.download().maxBytes().toBytes()).isEqualTo(20L << 30);
        assertThat(defaults.allowedNetworks()).isEmpty();
        assertThat(defaults.download().perHost()).isEqualTo(64);
        DownloadSettings opened = DownloadSettings.from(Settings.of(Map.of(
                "HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "10.0.0.0/8, fd00::/8")), false)
                .withAllowedNetworks(List.of("127.0.0.0/8"));
        assertThat(opened.allowedNetworks()).containsExactly("10.0.0.0/8", "fd00::/8", "127.0.0.0/8");
        assertThatThrownBy(() -> DownloadSettings.from(Settings.of(Map.of(
                "HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS", "intranet")), false))
                .hasMessageContaining("HLSFLEET_DOWNLOAD_ALLOWED_NETWORKS");
    }
}
