package io.hlsfleet.download;

import io.hlsfleet.config.Settings;
import io.hlsfleet.net.HostResolver;
import io.hlsfleet.worker.JobContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/** Settings, sources and a resolver for the download tests: short timeouts, tiny files, loopback only. */
final class Fixtures {

    private Fixtures() {
    }

    /** Test settings: fast backoff and short timeouts, overridable by {@code name, value} pairs. */
    static DownloadSettings settings(String... overrides) {
        Map<String, String> values = new HashMap<>(Map.of(
                "HLSFLEET_DOWNLOAD_CONNECT_TIMEOUT", "2s",
                "HLSFLEET_DOWNLOAD_READ_TIMEOUT", "5s",
                "HLSFLEET_DOWNLOAD_TOTAL_TIMEOUT", "30s",
                "HLSFLEET_DOWNLOAD_BACKOFF", "10ms",
                "HLSFLEET_DOWNLOAD_MAX_BACKOFF", "2s",
                "HLSFLEET_DOWNLOAD_ATTEMPTS", "4"));
        for (int i = 0; i < overrides.length; i += 2) {
            values.put(overrides[i], overrides[i + 1]);
        }
        return DownloadSettings.from(Settings.of(values), false);
    }

    /** Deterministic bytes that look like the start of an MP4 file, so the content check lets them pass. */
    static byte[] video(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        byte[] ftyp = {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
        System.arraycopy(ftyp, 0, bytes, 0, Math.min(ftyp.length, size));
        return bytes;
    }

    /** A resolver with fixed answers for test names; any other name is unknown. Counts lookups. */
    static final class MapResolver implements HostResolver {

        private final Map<String, List<InetAddress>> answers = new HashMap<>();
        final AtomicInteger lookups = new AtomicInteger();

        MapResolver map(String host, String... addresses) {
            answers.put(host, java.util.Arrays.stream(addresses).map(InetAddress::ofLiteral).toList());
            return this;
        }

        @Override
        public List<InetAddress> resolve(String host) throws UnknownHostException {
            lookups.incrementAndGet();
            List<InetAddress> found = answers.get(host);
            if (found == null) {
                throw new UnknownHostException(host);
            }
            return found;
        }
    }

    /** A context that remembers the last progress report. */
    static final class RecordingContext implements JobContext {

        volatile double fraction = -2;

        @Override
        public void progress(double fraction, String detail) {
            this.fraction = fraction;
        }
    }
}
