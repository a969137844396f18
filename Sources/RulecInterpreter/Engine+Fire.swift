import RulecSchema
import RulecSemantics

extension Engine {
    // MARK: Matching

    /// A measured "reached" state: rule, trigger and the owner row ("" for the changed row itself).
    struct ReachKey: Hashable {
        var rule: Int
        var trigger: Int
        var owner: String
    }

    /// A frame for a rule on a row: its params for the row's workspace.
    @inline(__always)
    func frame(_ rule: CompiledRule, row: Record, old: Record?, time: Int64) -> Frame {
        let params = hasSettings ? self.params(of: rule, workspace: tenant(of: row, rule)) : rule.paramDefaults
        return rule.frame(world, now: time, params: params, row: row, old: old)
    }

    /// The rule's tenant of a row of its entity.
    @inline(__always)
    func tenant(of row: Record, _ rule: CompiledRule) -> String? {
        guard let t = rule.tenantSlot, let w = row[t].keyText else { return nil }
        return w
    }

    /// Whether `value >= threshold` holds.
    private func reached(_ f: inout Frame, _ value: Compiled, _ threshold: Compiled) -> Bool {
        let v = value(&f)
        guard let c = Comparison.compare(v, threshold(&f)) else { return false }
        return c >= 0
    }

    /// The rows whose aggregates a change of a related row moves: its old and new foreign keys.
    private func owners(of change: Change, for rule: CompiledRule) -> [String] {
        var keys = Set<String>()
        for (entity, fk) in rule.owners where entity == change.entity {
            guard let fk else { continue }
            if let k = change.old?[fk].keyText { keys.insert(k) }
            if let k = change.new?[fk].keyText { keys.insert(k) }
        }
        return keys.sorted()
    }

    /// Measures, before a change of a related row is applied, whether each `reaches` over an
    /// aggregate of its owners was already reached.
    func measureBefore(_ change: Change) -> [ReachKey: Bool] {
        var out: [ReachKey: Bool] = [:]
        let now = clock
        let by = index.entities[change.entity]
        for r in by.relatedReaches {
            let rule = rules[r]
            for key in owners(of: change, for: rule) {
                guard let row = world.row(rule.entity, key) else { continue }
                var f = frame(rule, row: row, old: nil, time: now)
                for (t, trigger) in rule.triggers.enumerated() {
                    if case let .reaches(value, threshold, _) = trigger { out[ReachKey(rule: r, trigger: t, owner: key)] = reached(&f, value, threshold) }
                }
            }
        }
        return out
    }

    /// Whether any trigger of the rule (`rules[r]`, passed in: the caller holds it) matches a
    /// change of its own entity.
    func ownTriggersMatch(_ r: Int, _ rule: CompiledRule, _ change: Change, before: [ReachKey: Bool]) -> Bool {
        // The common triggers need no evaluation: decide them before making a frame.
        switch change.op {
        case .insert: if rule.onAnyInsert { return true }
        case .update: if rule.onAnyUpdate { return true }
        case .delete: if rule.onAnyDelete { return true }
        }
        if !rule.triggersEvaluate {
            // Only `changes` without `from`/`to`: the column's old and new values decide.
            guard change.op == .update else { return false }
            for case .changes(let slot?, _, _) in rule.triggers where isDistinct(change.old![slot], change.new![slot]) { return true }
            return false
        }
        let row = change.new ?? change.old!
        var f = frame(rule, row: row, old: change.old, time: clock)
        for (t, trigger) in rule.triggers.enumerated() {
            switch (trigger, change.op) {
            case let (.changes(slot, from, to), .update):
                guard let slot else { continue }
                let was = change.old![slot], now = change.new![slot]
                guard isDistinct(was, now) else { continue }
                // `from`/`to` match like `IS NOT DISTINCT FROM`, so `changes from null` means "was null".
                if let from, isDistinct(from(&f), was) { continue }
                if let to, isDistinct(to(&f), now) { continue }
                return true
            case (.meets(let c), .insert):
                if holds(c, &f) { return true }
            case (.meets(let c), .update):
                var before = frame(rule, row: change.old!, old: nil, time: clock)
                if !holds(c, &before) && holds(c, &f) { return true }
            case let (.reaches(value, threshold, _), .update):
                // Measured now, as `meets` is and as the SQL backend does: the row before the change
                // in the world as earlier rules' cascades left it, so that a crossing those cascades
                // made (and fired on) is not taken for a crossing of this change too.
                var was = frame(rule, row: change.old!, old: nil, time: clock)
                if !reached(&was, value, threshold) && reached(&f, value, threshold) { return true }
            default:
                continue
            }
        }
        return false
    }

    /// For a change of a related row: each owner row and whether one of its `reaches` crossed.
    func relatedCrossings(_ r: Int, _ change: Change, before: [ReachKey: Bool]) -> [(String, Bool)] {
        let rule = rules[r]
        var out: [(String, Bool)] = []
        for key in owners(of: change, for: rule) {
            guard let row = world.row(rule.entity, key) else { continue }
            var f = frame(rule, row: row, old: nil, time: clock)
            var crossed = false
            for (t, trigger) in rule.triggers.enumerated() {
                if case let .reaches(value, threshold, related) = trigger, related.contains(change.entity),
                   before[ReachKey(rule: r, trigger: t, owner: key)] == false, reached(&f, value, threshold) {
                    crossed = true
                }
            }
            out.append((key, crossed))
        }
        return out
    }

    // MARK: Timers

    func armTimers(_ change: Change) {
        let specs = index.entities[change.entity].timers
        for spec in specs {
            let key = TimerQueue.Key(rule: spec.rule, trigger: spec.trigger, entity: change.entity, key: change.key)
            switch change.op {
            case .delete:
                timers.disarm(key)
            case .update:
                guard let slot = spec.slot, isDistinct(change.old?[slot], change.new?[slot]) else { continue }
                timers.disarm(key)
                arm(key, row: change.new!, spec: spec)
            case .insert:
                arm(key, row: change.new!, spec: spec)
            }
        }
    }

    private func arm(_ key: TimerQueue.Key, row: Record, spec: RuleIndex.TimerSpec) {
        guard let slot = spec.slot, case .timestamp(let t) = row[slot] else { return }
        // A timer whose time has already passed when armed does not fire; nor one out of range.
        guard let at = Timestamps.shifted(t, by: spec.offset), at >= clock else { return }
        timers.arm(key, at: at)
    }

    // MARK: Firing

    /// Params of a rule for a workspace: defaults, overridden by the workspace's settings.
    func params(of rule: CompiledRule, workspace: String?) -> [Value] {
        var out = rule.paramDefaults
        if let w = workspace, let overrides = settings[w]?[rule.rule.name]?.params {
            for (k, v) in overrides { if let slot = rule.paramSlots[k] { out[slot] = v } }
        }
        return out
    }

    /// Runs a rule whose trigger matched: settings, condition, once-per, limit, then its actions.
    /// `compiled` is `rules[ruleIndex]`, passed in: every caller holds it already.
    func fire(ruleIndex: Int, _ compiled: CompiledRule, row: Record, old: Record?, depth: Int, time: Int64) {
        if hasSettings, let w = tenant(of: row, compiled), settings[w]?[compiled.name]?.active == false {
            if explain != nil { explainFire(compiled, depth: depth, "turned off in the settings of workspace \(w): not fired") }
            return
        }
        var f = frame(compiled, row: row, old: old, time: time)
        if let c = compiled.condition, !holds(c, &f) {
            if explain != nil { explainCondition(compiled, c, &f, depth: depth) }
            return
        }
        let jobsBefore = explain == nil ? 0 : jobs.count
        defer {
            if explain != nil {
                let n = jobs.count - jobsBefore
                explainFire(compiled, depth: depth, (compiled.condition == nil ? "" : "condition is true, ") + "fired: \(n) record\(n == 1 ? "" : "s")")
            }
        }
        // Read only once the condition holds: most candidates stop above.
        let entityName = compiled.entityName
        let workspace = tenant(of: row, compiled)
        guard let keySlot = compiled.keySlot, let entityId = row[keySlot].keyText else { return }

        func refused(_ status: JobStatus) {
            record(JobRecord(workspaceId: workspace, rule: compiled.name, action: nil, entity: entityName, entityId: entityId,
                             params: [], status: status, runAt: time, priority: compiled.rule.priority,
                             idempotencyKey: IdempotencyKey.make(rule: compiled.name, actionIndex: -1, entity: entityName,
                                                                 entityId: entityId, fireTime: time, params: status.rawValue)))
        }
        var onceKey: String?
        if let once = compiled.rule.oncePer {
            var subject: String? = entityId
            if case .foreignKey(let slot) = compiled.onceSubject {
                // A related row counts within the firing row's workspace: a foreign key that
                // points into another workspace must not use up that workspace's once-per.
                subject = slot.flatMap { row[$0].keyText }.map { OncePerSubject.related($0, workspace: workspace) }
            }
            if let subject {
                let key = "\(compiled.name)|\(subject)"
                if let last = lastFire[key], once.every.map({ time - last < $0 }) ?? true {
                    refused(.suppressed)
                    return
                }
                onceKey = key
            }
        }
        var windowKey: String?
        if let limit = compiled.rule.limit {
            let window = time >= 0 ? time / limit.window : (time - limit.window + 1) / limit.window
            let key = "\(compiled.name)|\(workspace ?? "")|\(window)"
            if windowCounts[key, default: 0] >= limit.count {
                refused(.rateLimited)
                return
            }
            windowKey = key
        }
        if let onceKey { lastFire[onceKey] = time }
        if let windowKey { windowCounts[windowKey, default: 0] += 1 }

        for (i, action) in compiled.actions.enumerated() {
            let cause = Cause(rule: ruleIndex, actionIndex: i, time: time)
            switch action {
            case let .external(name, arguments, required, delay, constant):
                let values = constant?.params ?? arguments.map { (name: $0.name, value: $0.value(&f)) }
                let missing = zip(values, required).contains { $0.value.isNull && $1 }
                let json = constant?.json ?? ValueFormatting.jsonObject(values)
                record(JobRecord(workspaceId: workspace, rule: compiled.name, action: name, entity: entityName, entityId: entityId,
                                 params: values, status: missing ? .skipped : .pending, runAt: time + (delay ?? 0),
                                 priority: compiled.rule.priority,
                                 idempotencyKey: IdempotencyKey.make(rule: compiled.name, actionIndex: i, entity: entityName,
                                                                     entityId: entityId, fireTime: time, params: json)))
            case let .create(target, fields):
                guard let target, let fields else { continue }
                var new = RowValues(repeating: nil, count: world.entities[target].fields.count)
                for (slot, value) in fields { new[slot] = value(&f) }
                guard let (full, key) = try? prepareInsert(entity: target, values: new) else { continue }
                process(Change(entity: target, op: .insert, key: key, old: nil, new: full), depth: depth + 1, cause: cause)
            case let .update(target, path, assignments):
                // The row as it is now (earlier actions may have changed it), reached through relations.
                guard let path, let now = world.row(compiled.entity, entityId), let current = path.follow(now, world) else { continue }
                let currentEntity = path.end
                guard world.entities[currentEntity].name == target, let k = world.keySlots[currentEntity],
                      let key = current[k].keyText else { continue }
                var new = current
                for (slot, value) in assignments { new[slot] = value(&f) }
                process(Change(entity: currentEntity, op: .update, key: key, old: current, new: new), depth: depth + 1, cause: cause)
            }
        }
    }
}
