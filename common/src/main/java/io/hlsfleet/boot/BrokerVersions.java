package io.hlsfleet.boot;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which broker versions the fleet supports, and what it says about one it meets. The features the
 * fleet relies on: quorum queues (RabbitMQ 3.8), the per-queue consumer timeout
 * {@code x-consumer-timeout} (RabbitMQ 3.12; older nodes ignore the argument), and the Streams
 * commands of the Redis transport ({@code XAUTOCLAIM} and {@code BLMOVE} arrived in Redis 6.2).
 */
public final class BrokerVersions {

    /** The commands the Redis transport sends; a server that renamed or disabled one cannot carry the fleet. */
    public static final List<String> REDIS_COMMANDS = List.of("XADD", "XREADGROUP", "XACK", "XAUTOCLAIM", "XCLAIM",
            "XPENDING", "XGROUP", "XRANGE", "XDEL", "XLEN", "XINFO", "BLMOVE", "EVAL", "EVALSHA", "ZADD",
            "ZRANGEBYSCORE");

    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)");

    private BrokerVersions() {
    }

    /**
     * What a worker makes of a broker.
     *
     * @param refusal why the worker must not take jobs from it, or {@code null}
     * @param warning what an operator should change though the worker runs, or {@code null}
     */
    public record Verdict(String refusal, String warning) {

        public static final Verdict FINE = new Verdict(null, null);
    }

    public static Verdict rabbit(String version, String consumerTimeoutSetting, long consumerTimeoutMillis) {
        int[] v = parse(version);
        if (v == null) {
            return new Verdict(null, "RabbitMQ reported no version this worker understands (" + version
                    + "); hlsfleet supports RabbitMQ 3.10 and newer (4.x recommended)");
        }
        if (below(v, 3, 8)) {
            return new Verdict("RabbitMQ " + version + " has no quorum queues, which hold the stage queues;"
                    + " hlsfleet supports RabbitMQ 3.10 and newer (4.x recommended)", null);
        }
        if (below(v, 3, 12)) {
            return new Verdict(null, "RabbitMQ " + version + " ignores the queue argument x-consumer-timeout"
                    + " (RabbitMQ 3.12 and newer honour it), so a job held longer than the node's consumer_timeout"
                    + " (30 min by default) has its channel closed and is delivered again; raise consumer_timeout"
                    + " in the node's rabbitmq.conf above " + consumerTimeoutSetting + " (consumer_timeout = "
                    + consumerTimeoutMillis + "), or upgrade to RabbitMQ 3.12 or newer");
        }
        return Verdict.FINE;
    }

    /**
     * @param missing the commands of {@link #REDIS_COMMANDS} the server does not know (renamed or disabled)
     */
    public static Verdict redis(String version, List<String> missing) {
        int[] v = parse(version);
        if (v != null && below(v, 6, 2)) {
            return new Verdict("Redis " + version + " lacks XAUTOCLAIM and BLMOVE (Redis 6.2), which the Redis"
                    + " transport relies on; hlsfleet needs Redis 6.2 or newer", null);
        }
        if (!missing.isEmpty()) {
            return new Verdict("Redis " + version + " does not accept " + String.join(", ", missing)
                    + " (renamed or disabled with rename-command?), which the Redis transport relies on;"
                    + " allow " + String.join(", ", missing) + " for the fleet's user", null);
        }
        if (v == null) {
            return new Verdict(null, "Redis reported no version this worker understands (" + version
                    + "); hlsfleet supports Redis 6.2 and newer");
        }
        return Verdict.FINE;
    }

    /** {@code [major, minor]} of {@code 3.10.8}, {@code 4.1.0-rc.1}, or {@code null}. */
    static int[] parse(String version) {
        if (version == null) {
            return null;
        }
        Matcher m = VERSION.matcher(version);
        return m.lookingAt() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }

    private static boolean below(int[] v, int major, int minor) {
        return v[0] < major || (v[0] == major && v[1] < minor);
    }
}
