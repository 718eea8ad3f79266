package io.hlsfleet.transport.redis;

/**
 * The Lua scripts behind every step that touches more than one key or must check ownership first.
 * A consumer may only settle an entry it still owns: once its lease ran out and another consumer
 * claimed the entry, the first one's late ack must not remove the second one's work. Scripts are
 * sent with EVAL rather than EVALSHA, so a Redis restarted with an empty script cache needs no
 * reload step; they are short, and Redis caches them anyway.
 *
 * <p>Common arguments: KEYS[1] the stream, ARGV[1] the group, ARGV[2] the consumer, ARGV[3] the
 * entry id.
 */
final class RedisScripts {

    private RedisScripts() {
    }

    private static final String OWNED =
            "local owned = #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2]) == 1\n";

    private static final String SETTLE = "redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])\n"
            + "redis.call('XDEL', KEYS[1], ARGV[3])\n";

    /**
     * Claims one entry whose owner has not renewed it for ARGV[3] ms (ARGV[4]: the scan cursor).
     * Returns {next cursor} or {next cursor, id, delivery count, {field, value, ...}}.
     */
    static final String CLAIM = """
            local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', 1)
            local entry = r[2][1]
            if not entry then return {r[1]} end
            if not entry[2] then
              redis.call('XACK', KEYS[1], ARGV[1], entry[1])
              return {r[1]}
            end
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
            return {r[1], entry[1], p[1][4], entry[2]}
            """;

    /** Resets the idle time of an entry this consumer still owns; 1 if it does, 0 if it was lost. */
    static final String RENEW = OWNED + """
            if not owned then return 0 end
            redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
            return 1
            """;

    /** Acks and deletes an owned entry, so the stream holds only what is waiting or in hand. */
    static final String ACK = OWNED + """
            if not owned then return 0 end
            """ + SETTLE + "return 1\n";

    /**
     * Schedules ARGV[5] (a job body) on KEYS[2], the delayed set, ARGV[4] ms from the server's
     * clock, then settles the entry. ARGV[6] makes the set member unique.
     */
    static final String RETRY_LATER = OWNED + """
            if not owned then return 0 end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[6] .. ' ' .. ARGV[5])
            """ + SETTLE + "return 1\n";

    /** Appends ARGV[4] (a dead letter) to KEYS[2], the dead-letter list, then settles the entry. */
    static final String DEAD_LETTER = OWNED + """
            if not owned then return 0 end
            redis.call('RPUSH', KEYS[2], ARGV[4])
            """ + SETTLE + "return 1\n";

    /**
     * Hands an owned entry to the placeholder consumer ARGV[4] with an idle time of ARGV[5] ms,
     * so the next claim by any consumer takes it at once, with its delivery count kept.
     */
    static final String RELEASE = OWNED + """
            if not owned then return 0 end
            redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[4], 0, ARGV[3], 'IDLE', ARGV[5], 'JUSTID')
            return 1
            """;

    /** Moves up to ARGV[1] due retries from KEYS[1], the delayed set, onto KEYS[2], the stream. */
    static final String PROMOTE_DUE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
            for _, member in ipairs(due) do
              local space = string.find(member, ' ', 1, true)
              redis.call('XADD', KEYS[2], '*', 'body', string.sub(member, space + 1))
              redis.call('ZREM', KEYS[1], member)
            end
            return #due
            """;

    /**
     * Entries waiting to be delivered: the stream minus those pending with live consumers (entries
     * handed to the placeholder consumer ARGV[2] count as waiting). ARGV[1] is the group.
     */
    static final String DEPTH = """
            local length = redis.call('XLEN', KEYS[1])
            if length == 0 then return 0 end
            local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
            if not ok then return length end
            local held = pending[1]
            for _, consumer in ipairs(pending[4] or {}) do
              if consumer[1] == ARGV[2] then held = held - tonumber(consumer[2]) end
            end
            return length - held
            """;

    /** Moves dead letter ARGV[1] off KEYS[1] and queues job ARGV[2] on KEYS[2]; 1 if it was there. */
    static final String REQUEUE = """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
            redis.call('XADD', KEYS[2], '*', 'body', ARGV[2])
            return 1
            """;

    /** Deletes KEYS[1], the dead-letter list, returning how long it was. */
    static final String PURGE = """
            local length = redis.call('LLEN', KEYS[1])
            redis.call('DEL', KEYS[1])
            return length
            """;

    /** Removes consumer ARGV[2] from the group if it holds nothing; 1 if it was removed. */
    static final String FORGET_CONSUMER = """
            local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
            if not ok or #pending > 0 then return 0 end
            redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
            return 1
            """;
}
