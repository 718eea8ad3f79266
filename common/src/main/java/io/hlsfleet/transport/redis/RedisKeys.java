package io.hlsfleet.transport.redis;

import io.hlsfleet.job.Priority;
import io.hlsfleet.job.Stage;

/**
 * Key names of the fleet on Redis, all under one prefix ({@code hlsfleet} unless a test isolates
 * itself with another one):
 * <ul>
 *   <li>{@code <prefix>:<stage>}: the stage's stream, consumed by the group {@value #GROUP}; every
 *       entry has the field {@value #BODY}, holding a JSON job (or on the intake a bare URL);
 *       a copy queued by a graceful release also has {@value #CARRIED}, the deliveries counted
 *       before it.</li>
 *   <li>{@code <prefix>:<stage>:high} and {@code <prefix>:<stage>:low}: the same for jobs of those
 *       priorities (the stream above holds the normal ones); consumers read the highest stream
 *       that holds an entry.</li>
 *   <li>{@code <stream>:delayed}: for each of the streams, a sorted set of retries scored by when
 *       they are due.</li>
 *   <li>{@code <stream>:alive}: a sorted set of the group's consumer names, scored by when
 *       their worker last said they were alive; names silent for three leases and holding nothing
 *       are removed from the group.</li>
 *   <li>{@code <prefix>:<stage>:dead}: a list of JSON dead letters, oldest first, capped at the
 *       newest {@code HLSFLEET_REDIS_DEAD_LETTER_CAP}.</li>
 *   <li>{@code <prefix>:events}: the stream of job events (see {@code RedisEventBus}).</li>
 *   <li>{@code <prefix>:webhooks:dead}: a list of the JSON of the webhooks the senders gave up,
 *       oldest first, capped like the dead letters (see {@code RedisUndeliveredWebhooks}).</li>
 * </ul>
 */
record RedisKeys(String prefix) {

    static final String GROUP = "workers";
    static final String BODY = "body";
    static final String CARRIED = "deliveries";

    String stream(Stage stage) {
        return prefix + ":" + stage.id();
    }

    String stream(Stage stage, Priority priority) {
        return priority == Priority.NORMAL ? stream(stage) : stream(stage) + ":" + priority.id();
    }

    String delayed(Stage stage) {
        return delayed(stage, Priority.NORMAL);
    }

    String delayed(Stage stage, Priority priority) {
        return stream(stage, priority) + ":delayed";
    }

    String alive(Stage stage) {
        return alive(stage, Priority.NORMAL);
    }

    String alive(Stage stage, Priority priority) {
        return stream(stage, priority) + ":alive";
    }

    String events() {
        return prefix + ":events";
    }

    String undeliveredWebhooks() {
        return prefix + ":webhooks:dead";
    }

    String dead(Stage stage) {
        return stream(stage) + ":dead";
    }
}
