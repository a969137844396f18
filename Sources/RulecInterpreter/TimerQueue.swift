/// Armed timers: one per rule, timer trigger and row. Popped earliest first, ties broken by
/// rule order, then row key, then trigger, so firing is deterministic.
struct TimerQueue {
    struct Key: Hashable {
        var rule: Int
        var trigger: Int
        /// The entity's position in the schema.
        var entity: Int
        var key: String
    }

    struct Due {
        var rule: Int
        /// The entity's position in the schema.
        var entity: Int
        var key: String
        var fireAt: Int64
    }

    private var armed: [Key: Int64] = [:]
    /// No timer fires before this: a lower bound that spares a scan on most clock moves.
    private var earliest = Int64.max

    var count: Int { armed.count }

    mutating func arm(_ key: Key, at time: Int64) {
        armed[key] = time
        earliest = min(earliest, time)
    }

    mutating func disarm(_ key: Key) { armed.removeValue(forKey: key) }

    mutating func popDue(upTo time: Int64, ruleOrder: [Int]) -> Due? {
        guard earliest <= time else { return nil }
        var best: (Key, Int64)?
        var nextEarliest = Int64.max
        for (k, t) in armed {
            nextEarliest = min(nextEarliest, t)
            guard t <= time else { continue }
            if let (bk, bt) = best {
                if (t, ruleOrder[k.rule], k.key, k.trigger) >= (bt, ruleOrder[bk.rule], bk.key, bk.trigger) { continue }
            }
            best = (k, t)
        }
        earliest = nextEarliest
        guard let (k, t) = best else { return nil }
        armed.removeValue(forKey: k)
        return Due(rule: k.rule, entity: k.entity, key: k.key, fireAt: t)
    }
}
