/// The Lua script that adds one job to a BullMQ queue, atomically, exactly as BullMQ's own
/// `addStandardJob-9.lua` does for a plain job (no parent, no delay, no priority, no
/// deduplication option) with a custom job id. Read from the script that the `bullmq` Python
/// package 3.4.4 ships (the same Lua as the Node package of its generation):
///
/// - the keys are `bull:<queue>:<suffix>` and the job hash is `bull:<queue>:<jobId>`;
/// - the `id` counter is incremented on every add, custom id or not;
/// - `opts.maxLenEvents` is read from (or set to 10000 in) the `meta` hash;
/// - an existing job hash means a duplicate: a `duplicated` event, nothing else changes, so a
///   second delivery of the same job is ignored;
/// - the hash gets `name`, `data`, `opts`, `timestamp`, `delay` 0, `priority` 0 and an
///   `added` event; the id is LPUSHed to `wait` (BullMQ 5 keeps paused jobs in `wait` too);
/// - unless the queue is paused (`meta.paused`) or maxed (`meta.concurrency` active jobs), the
///   marker `ZADD bull:<queue>:marker 0 "0"` wakes workers blocked in BZPOPMIN;
/// - a `waiting` event goes to the events stream.
///
/// KEYS: wait, paused, meta, id, completed, delayed, active, events, marker (BullMQ's order).
/// ARGV: key prefix (`bull:<queue>:`), job id, name, timestamp (ms), data JSON, opts JSON.
/// Returns 1 when the job was added, 0 when it already existed.
enum BullMQScript {
    static let keySuffixes = ["wait", "paused", "meta", "id", "completed", "delayed", "active", "events", "marker"]

    static let lua = #"""
    local rcall = redis.call
    local prefix = ARGV[1]
    local jobId = ARGV[2]
    local jobIdKey = prefix .. jobId
    local metaKey = KEYS[3]
    local eventsKey = KEYS[8]
    rcall("INCR", KEYS[4])
    local maxEvents = rcall("HGET", metaKey, "opts.maxLenEvents")
    if not maxEvents then
      maxEvents = 10000
      rcall("HSET", metaKey, "opts.maxLenEvents", maxEvents)
    end
    if rcall("EXISTS", jobIdKey) == 1 then
      rcall("XADD", eventsKey, "MAXLEN", "~", maxEvents, "*", "event", "duplicated", "jobId", jobId)
      return 0
    end
    rcall("HMSET", jobIdKey, "name", ARGV[3], "data", ARGV[5], "opts", ARGV[6],
          "timestamp", ARGV[4], "delay", 0, "priority", 0)
    rcall("XADD", eventsKey, "*", "event", "added", "jobId", jobId, "name", ARGV[3])
    local isPausedOrMaxed = false
    local queueAttributes = rcall("HMGET", metaKey, "paused", "concurrency")
    if queueAttributes[1] then
      isPausedOrMaxed = true
    elseif queueAttributes[2] then
      isPausedOrMaxed = rcall("LLEN", KEYS[7]) >= tonumber(queueAttributes[2])
    end
    rcall("LPUSH", KEYS[1], jobId)
    if not isPausedOrMaxed then
      rcall("ZADD", KEYS[9], 0, "0")
    end
    rcall("XADD", eventsKey, "MAXLEN", "~", maxEvents, "*", "event", "waiting", "jobId", jobId)
    return 1
    """#

    /// The EVALSHA command for one job (`sha` is the script's SHA1 from SCRIPT LOAD).
    static func command(sha: String, prefix: String, job: OutboxJob, queue: String, timestampMillis: Int64) -> [String] {
        let base = "\(prefix):\(queue):"
        var command = ["EVALSHA", sha, String(keySuffixes.count)]
        command += keySuffixes.map { base + $0 }
        // opts as BullMQ's Queue.add stores them for `{jobId}` with its defaults (attempts 0, delay 0).
        let opts = #"{"attempts":0,"delay":0,"jobId":\#(jsonString(job.idempotencyKey))}"#
        command += [base, job.idempotencyKey, job.name, String(timestampMillis), job.data, opts]
        return command
    }
}

/// A JSON string literal for `text`.
func jsonString(_ text: String) -> String {
    var out = "\""
    out.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
