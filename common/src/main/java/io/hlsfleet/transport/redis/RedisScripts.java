package io.hlsfleet.transport.redis;

/**
 * The Lua scripts behind every step that touches more than one key or must check ownership first.
 * A consumer may only settle an entry it still owns: once its lease ran out and another consumer
 * claimed the entry, the first one's late ack must not remove the second one's work. Scripts are
 * sent with EVAL rather than EVALSHA, so a Redis restarted with an empty script cache needs no
 * reload step; they are short, and Redis caches them anyway.
 *
 * <p>Common arguments: KEYS[1] the stream, ARGV[1] the group, ARGV[2] the consumer, ARGV[3] the
 * entry id (for reads and claims, the largest entry handed over, in bytes).
 */
final class RedisScripts {

    private RedisScripts() {
    }

    private static final String OWNED =
            "local owned = #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2]) == 1\n";

    private static final String SETTLE = "redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])\n"
            + "redis.call('XDEL', KEYS[1], ARGV[3])\n";

    /** Appends {@code value} to the list {@code key}, keeping its newest {@code cap} entries (0: all). */
    private static final String CAPPED_PUSH_FUNCTION = """
            local function capped_push(key, value, cap)
              redis.call('RPUSH', key, value)
              if tonumber(cap) > 0 then redis.call('LTRIM', key, -tonumber(cap), -1) end
            end
            """;

    /** Appends ARGV[1] to the list KEYS[1], keeping its newest ARGV[2] entries (0: all). */
    static final String CAPPED_PUSH = CAPPED_PUSH_FUNCTION + """
            capped_push(KEYS[1], ARGV[1], ARGV[2])
            return 1
            """;

    /**
     * Hands a read or claimed entry to the worker, unless its fields are larger than ARGV[3] bytes:
     * such an entry stays pending to the consumer, unread, for {@link #DEAD_LETTER_UNREAD}. Returns
     * {'entry', id, delivery count, {field, value, ...}} or {'oversize', id, size}; the delivery
     * count adds the deliveries a graceful release carried over in the field {@value RedisKeys#CARRIED}.
     */
    private static final String DELIVER = """
            local function deliver(id, fields, count)
              local size, carried = 0, 0
              for i = 1, #fields, 2 do
                size = size + #fields[i] + #fields[i + 1]
                if fields[i] == 'deliveries' then carried = tonumber(fields[i + 1]) or 0 end
              end
              if size <= tonumber(ARGV[3]) then return {'entry', id, count + carried, fields} end
              return {'oversize', id, size}
            end
            """;

    static final String RAW = "@@raw@@";

    /**
     * Reads the next never-delivered entry for consumer ARGV[2] from the first of the streams
     * KEYS[1..n] (highest priority first) that has one, without blocking: a blocking read would hand
     * the client the entry before any check (see {@link #DELIVER}). Returns false when none has one,
     * else the answer of {@link #DELIVER} followed by the index of the stream, from 1.
     */
    static final String READ = DELIVER + """
            for i = 1, #KEYS do
              local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[i], '>')
              if r and r[1][2][1] then
                local entry = r[1][2][1]
                local answer = deliver(entry[1], entry[2], 1)
                table.insert(answer, i)
                return answer
              end
            end
            return false
            """;

    /**
     * Takes over one entry of KEYS[1] whose owner has not renewed it for ARGV[4] ms, scanning the
     * pending entries from ARGV[5] (a range start: '-' or '(' and the last id seen). XPENDING finds
     * it and XCLAIM takes it, rather than XAUTOCLAIM, whose answer for an entry deleted while
     * pending differs between versions (6.2: nil, and the entry stays pending for ever; 7.x: a
     * separate list of ids). Such an entry is acked here, on any version. Returns {'none'},
     * {'gone', next cursor} or the answer of {@link #DELIVER} followed by the next cursor.
     */
    static final String CLAIM = DELIVER + """
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', tonumber(ARGV[4]), ARGV[5], '+', 1)
            if #p == 0 then return {'none'} end
            local id = p[1][1]
            local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[4]), id)
            local entry = claimed[1]
            if not entry or not entry[2] then
              redis.call('XACK', KEYS[1], ARGV[1], id)
              return {'gone', '(' .. id}
            end
            local answer = deliver(entry[1], entry[2], tonumber(p[1][4]) + 1)
            table.insert(answer, '(' .. id)
            return answer
            """;

    /**
     * Dead-letters an owned entry too large to read onto KEYS[2] without its leaving Redis. ARGV[4]
     * is the dead letter as JSON with {@value #RAW} standing for the first ARGV[5] bytes of the
     * entry's body; ARGV[6] caps the dead-letter list (0: no cap).
     */
    static final String DEAD_LETTER_UNREAD = CAPPED_PUSH_FUNCTION + OWNED + """
            if not owned then return 0 end
            local e = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])[1]
            if e then
              local fields, body = e[2], nil
              for i = 1, #fields, 2 do
                if fields[i] == 'body' then body = fields[i + 1] end
              end
              local raw = body or fields[2] or ''
              local cut = math.min(#raw, tonumber(ARGV[5]))
              -- cut on a character boundary, so the letter stays valid UTF-8
              while cut > 0 and cut < #raw and string.byte(raw, cut + 1) >= 128 and string.byte(raw, cut + 1) < 192 do
                cut = cut - 1
              end
              local marker = '@@raw@@'
              local at = string.find(ARGV[4], marker, 1, true)
              local quoted = string.sub(cjson.encode(string.sub(raw, 1, cut) .. '...'), 2, -2)
              capped_push(KEYS[2], string.sub(ARGV[4], 1, at - 1) .. quoted .. string.sub(ARGV[4], at + #marker), ARGV[6])
            end
            """ + SETTLE + "return 1\n";

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
     * Queues ARGV[4] (the next stage's job) on KEYS[2], the next stage's stream, and settles the
     * owned entry, in one step: a consumer whose lease was lost hands nothing on.
     */
    static final String HAND_OFF = OWNED + """
            if not owned then return 0 end
            redis.call('XADD', KEYS[2], '*', 'body', ARGV[4])
            """ + SETTLE + "return 1\n";

    /**
     * The consumer entry ARGV[2] is pending with in group ARGV[1] of KEYS[1], or nil when it is
     * pending with nobody: settled, or never there.
     */
    static final String HOLDER = """
            local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
            if #pending == 0 then return false end
            return pending[1][2]
            """;

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

    /**
     * Appends ARGV[4] (a dead letter) to KEYS[2], the dead-letter list, keeping its newest ARGV[5]
     * letters (0: all), then settles the entry.
     */
    static final String DEAD_LETTER = CAPPED_PUSH_FUNCTION + OWNED + """
            if not owned then return 0 end
            capped_push(KEYS[2], ARGV[4], ARGV[5])
            """ + SETTLE + "return 1\n";

    /**
     * A graceful release: queues a copy of the owned entry's body at the end of the stream,
     * carrying ARGV[4], the deliveries counted so far (this one not included), then settles the
     * entry. A stop is not a crash, so it must not bring the job nearer the poison limit.
     */
    static final String RELEASE = OWNED + """
            if not owned then return 0 end
            local e = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])
            local fields = e[1] and e[1][2] or {}
            for i = 1, #fields, 2 do
              if fields[i] == 'body' then
                redis.call('XADD', KEYS[1], '*', 'body', fields[i + 1], 'deliveries', ARGV[4])
              end
            end
            """ + SETTLE + "return 1\n";

    /**
     * Gives back an owned entry its handler left unsettled: it goes to the placeholder consumer
     * ARGV[4] with an idle time of ARGV[5] ms, so the next claim by any consumer takes it at once
     * and counts one more delivery.
     */
    static final String ABANDON = OWNED + """
            if not owned then return 0 end
            redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[4], 0, ARGV[3], 'IDLE', ARGV[5], 'JUSTID')
            return 1
            """;

    /**
     * Moves up to ARGV[1] due retries from each delayed set onto its stream: KEYS[1] onto KEYS[2],
     * KEYS[3] onto KEYS[4], and so on. Returns how many in all.
     */
    static final String PROMOTE_DUE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local moved = 0
            for k = 1, #KEYS, 2 do
              local due = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
              for _, member in ipairs(due) do
                local space = string.find(member, ' ', 1, true)
                redis.call('XADD', KEYS[k + 1], '*', 'body', string.sub(member, space + 1))
                redis.call('ZREM', KEYS[k], member)
              end
              moved = moved + #due
            end
            return moved
            """;

    /**
     * The stage's figures for metrics: {ready, unacked, dead letters, age in ms of the oldest
     * waiting entry or -1}. Ready entries are the stream minus those pending with live consumers
     * (entries handed to the placeholder consumer ARGV[2] wait to be claimed). KEYS[2] is the
     * dead-letter list; ARGV[1] the group.
     */
    static final String STATS = """
            local length = redis.call('XLEN', KEYS[1])
            local dead = redis.call('LLEN', KEYS[2])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local function age(id)
              if not id then return nil end
              return now - tonumber(string.match(id, '^(%d+)'))
            end
            local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
            if not ok then
              local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
              return {length, 0, dead, first and age(first[1]) or -1}
            end
            local held, released = pending[1], 0
            for _, consumer in ipairs(pending[4] or {}) do
              if consumer[1] == ARGV[2] then released = tonumber(consumer[2]) end
            end
            local oldest = -1
            if released > 0 then
              local r = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])[1]
              if r then oldest = age(r[1]) end
            end
            local last
            for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
              local name, delivered
              for i = 1, #group, 2 do
                if group[i] == 'name' then name = group[i + 1] end
                if group[i] == 'last-delivered-id' then delivered = group[i + 1] end
              end
              if name == ARGV[1] then last = delivered end
            end
            if last then
              local waiting = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)[1]
              if waiting then oldest = math.max(oldest, age(waiting[1])) end
            end
            return {length - (held - released), held - released, dead, oldest}
            """;

    /** Marks consumers ARGV[1..n] alive now in KEYS[1], a sorted set scored by the server's clock. */
    static final String HEARTBEAT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local members = {}
            for _, name in ipairs(ARGV) do
              table.insert(members, now)
              table.insert(members, name)
            end
            if #members > 0 then redis.call('ZADD', KEYS[1], unpack(members)) end
            return #ARGV
            """;

    /**
     * Removes the consumers of the stream KEYS[1] that hold nothing and whose worker has not
     * marked them alive in KEYS[2] for ARGV[2] ms: the names of workers that were killed. (A
     * consumer's own idle time cannot tell: a read that finds nothing does not reset it.) A
     * consumer never marked alive counts from its idle time. One that holds an entry is never
     * removed, since removing it would drop its pending entries. ARGV[3] is the placeholder
     * consumer, kept. Returns how many were removed.
     */
    static final String FORGET_IDLE_CONSUMERS = """
            local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
            if not ok then return 0 end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local limit = tonumber(ARGV[2])
            local removed = 0
            for _, consumer in ipairs(consumers) do
              local name, pending, idle
              for i = 1, #consumer, 2 do
                if consumer[i] == 'name' then name = consumer[i + 1] end
                if consumer[i] == 'pending' then pending = consumer[i + 1] end
                if consumer[i] == 'idle' then idle = consumer[i + 1] end
              end
              local seen = redis.call('ZSCORE', KEYS[2], name)
              local silent = seen and now - tonumber(seen) or idle
              if name ~= ARGV[3] and pending == 0 and silent > limit then
                redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
                redis.call('ZREM', KEYS[2], name)
                removed = removed + 1
              end
            end
            return removed
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
            redis.call('ZREM', KEYS[2], ARGV[2])
            return 1
            """;
}
