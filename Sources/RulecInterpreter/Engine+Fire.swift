import RulecSchema
import RulecSemantics

extension Engine {
    // MARK: Matching

    /// Key of a measured "reached" state: rule, trigger and the owner row.
    private func reachKey(_ rule: Int, _ trigger: Int, _ owner: String) -> String { "\(rule)|\(trigger)|\(owner)" }

    func evaluator(rule: CheckedRule, entity: Entity, row: Row, old: Row?, time: Int64) -> Evaluator {
        Evaluator(world: world, now: time, params: params(of: rule, workspace: tenant(of: row, in: entity)),
                  bindings: [rule.entity: (entity.name, row)], old: old)
    }

    /// Whether `value >= threshold` holds.
    private func reached(_ ev: Evaluator, _ value: TypedExpr, _ threshold: TypedExpr) -> Bool {
        guard let c = Comparison.compare(ev.eval(value), ev.eval(threshold)) else { return false }
        return c >= 0
    }

    /// The rows whose aggregates a change of a related row moves: its old and new foreign keys.
    private func owners(of change: Change, for rule: CheckedRule) -> [String] {
        var keys = Set<String>()
        for case .reaches(_, _, let related) in rule.triggers {
            for r in related where r.entity == change.entity.name {
                if case .text(let k)? = change.old?[r.foreignKey] { keys.insert(k) }
                if case .text(let k)? = change.new?[r.foreignKey] { keys.insert(k) }
            }
        }
        return keys.sorted()
    }

    /// Measures, before a change is applied, whether each affected `reaches` was already reached.
    func measureBefore(_ change: Change) -> [String: Bool] {
        var out: [String: Bool] = [:]
        let now = clock
        for r in index.ownReaches(of: change.entity.name) where change.op == .update {
            let rule = program.rules[r]
            let ev = evaluator(rule: rule, entity: change.entity, row: change.old!, old: nil, time: now)
            for (t, trigger) in rule.triggers.enumerated() {
                if case let .reaches(value, threshold, _) = trigger { out[reachKey(r, t, "")] = reached(ev, value, threshold) }
            }
        }
        for r in index.reachesListening(to: change.entity.name) {
            let rule = program.rules[r]
            guard let owner = world.entity(rule.entity) else { continue }
            for key in owners(of: change, for: rule) {
                guard let row = world.row(owner.name, key) else { continue }
                let ev = evaluator(rule: rule, entity: owner, row: row, old: nil, time: now)
                for (t, trigger) in rule.triggers.enumerated() {
                    if case let .reaches(value, threshold, _) = trigger { out[reachKey(r, t, key)] = reached(ev, value, threshold) }
                }
            }
        }
        return out
    }

    /// Whether any trigger of the rule matches a change of its own entity.
    func ownTriggersMatch(_ r: Int, _ change: Change, before: [String: Bool]) -> Bool {
        let rule = program.rules[r]
        let row = change.new ?? change.old!
        let ev = evaluator(rule: rule, entity: change.entity, row: row, old: change.old, time: clock)
        for (t, trigger) in rule.triggers.enumerated() {
            switch (trigger, change.op) {
            case (.created, .insert), (.updated, .update), (.deleted, .delete):
                return true
            case let (.changes(field, from, to), .update):
                let was = change.old![field] ?? .null, now = change.new![field] ?? .null
                guard isDistinct(was, now) else { continue }
                // `from`/`to` match like `IS NOT DISTINCT FROM`, so `changes from null` means "was null".
                if let from, isDistinct(ev.eval(from), was) { continue }
                if let to, isDistinct(ev.eval(to), now) { continue }
                return true
            case (.meets(let c), .insert):
                if ev.holds(c) { return true }
            case (.meets(let c), .update):
                let before = evaluator(rule: rule, entity: change.entity, row: change.old!, old: nil, time: clock)
                if !before.holds(c) && ev.holds(c) { return true }
            case let (.reaches(value, threshold, _), .update):
                if before[reachKey(r, t, "")] == false && reached(ev, value, threshold) { return true }
            default:
                continue
            }
        }
        return false
    }

    /// For a change of a related row: each owner row and whether one of its `reaches` crossed.
    func relatedCrossings(_ r: Int, _ change: Change, before: [String: Bool]) -> [(String, Bool)] {
        let rule = program.rules[r]
        guard rule.entity != change.entity.name || index.reachesListening(to: change.entity.name).contains(r),
              let owner = world.entity(rule.entity) else { return [] }
        var out: [(String, Bool)] = []
        for key in owners(of: change, for: rule) {
            guard let row = world.row(owner.name, key) else { continue }
            let ev = evaluator(rule: rule, entity: owner, row: row, old: nil, time: clock)
            var crossed = false
            for (t, trigger) in rule.triggers.enumerated() {
                if case let .reaches(value, threshold, related) = trigger, related.contains(where: { $0.entity == change.entity.name }),
                   before[reachKey(r, t, key)] == false, reached(ev, value, threshold) {
                    crossed = true
                }
            }
            out.append((key, crossed))
        }
        return out
    }

    // MARK: Timers

    func armTimers(_ change: Change) {
        guard let specs = index.timers[change.entity.name] else { return }
        for spec in specs {
            let key = TimerQueue.Key(rule: spec.rule, trigger: spec.trigger, entity: change.entity.name, key: change.key)
            switch change.op {
            case .delete:
                timers.disarm(key)
            case .update:
                guard isDistinct(change.old?[spec.field], change.new?[spec.field]) else { continue }
                timers.disarm(key)
                arm(key, row: change.new!, spec: spec)
            case .insert:
                arm(key, row: change.new!, spec: spec)
            }
        }
    }

    private func arm(_ key: TimerQueue.Key, row: Row, spec: RuleIndex.TimerSpec) {
        guard case .timestamp(let t)? = row[spec.field] else { return }
        let (at, overflow) = t.addingReportingOverflow(spec.offset)
        // A timer whose time has already passed when armed does not fire.
        guard !overflow, at >= clock else { return }
        timers.arm(key, at: at)
    }

    // MARK: Firing

    /// Params of a rule for a workspace: defaults, overridden by the workspace's settings.
    func params(of rule: CheckedRule, workspace: String?) -> [String: Value] {
        var out: [String: Value] = [:]
        for p in rule.params { out[p.name] = p.defaultValue }
        if let w = workspace, let overrides = settings[w]?[rule.name]?.params {
            for (k, v) in overrides where out[k] != nil { out[k] = v }
        }
        return out
    }

    /// Runs a rule whose trigger matched: settings, condition, once-per, limit, then its actions.
    func fire(ruleIndex: Int, entity: Entity, row: Row, old: Row?, depth: Int, time: Int64) {
        let rule = program.rules[ruleIndex]
        let workspace = tenant(of: row, in: entity)
        if let w = workspace, settings[w]?[rule.name]?.active == false { return }
        let ev = evaluator(rule: rule, entity: entity, row: row, old: old, time: time)
        if let c = rule.condition, !ev.holds(c) { return }
        guard case .text(let entityId)? = row[entity.key] else { return }

        func refused(_ status: JobStatus) {
            record(JobRecord(workspaceId: workspace, rule: rule.name, action: nil, entity: entity.name, entityId: entityId,
                             params: [], status: status, runAt: time, priority: rule.priority,
                             idempotencyKey: IdempotencyKey.make(rule: rule.name, actionIndex: -1, entity: entity.name,
                                                                 entityId: entityId, fireTime: time, params: status.rawValue)))
        }
        var onceKey: String?
        if let once = rule.oncePer {
            var subject: String? = entityId
            if let rel = once.relation, let r = entity.relation(named: rel) {
                if case .text(let k)? = row[r.foreignKey] { subject = k } else { subject = nil }
            }
            if let subject {
                let key = "\(rule.name)|\(subject)"
                if let last = lastFire[key], once.every.map({ time - last < $0 }) ?? true {
                    refused(.suppressed)
                    return
                }
                onceKey = key
            }
        }
        var windowKey: String?
        if let limit = rule.limit {
            let window = time >= 0 ? time / limit.window : (time - limit.window + 1) / limit.window
            let key = "\(rule.name)|\(workspace ?? "")|\(window)"
            if windowCounts[key, default: 0] >= limit.count {
                refused(.rateLimited)
                return
            }
            windowKey = key
        }
        if let onceKey { lastFire[onceKey] = time }
        if let windowKey { windowCounts[windowKey, default: 0] += 1 }

        for (i, action) in rule.actions.enumerated() {
            let cause = Cause(rule: ruleIndex, actionIndex: i, time: time)
            switch action {
            case let .external(name, arguments, delay, _):
                let spec = program.schema.action(named: name)
                let values = arguments.map { (name: $0.name, value: ev.eval($0.value)) }
                let missing = values.contains { v in v.value.isNull && !(spec?.parameter(named: v.name)?.optional ?? true) }
                let json = ValueFormatting.jsonObject(values)
                record(JobRecord(workspaceId: workspace, rule: rule.name, action: name, entity: entity.name, entityId: entityId,
                                 params: values, status: missing ? .skipped : .pending, runAt: time + (delay ?? 0),
                                 priority: rule.priority,
                                 idempotencyKey: IdempotencyKey.make(rule: rule.name, actionIndex: i, entity: entity.name,
                                                                     entityId: entityId, fireTime: time, params: json)))
            case let .create(target, fields, _):
                var new: Row = [:]
                for f in fields { new[f.name] = ev.eval(f.value) }
                guard let (e, full, key) = try? prepareInsert(entity: target, row: new) else { continue }
                process(Change(entity: e, op: .insert, key: key, old: nil, new: full), depth: depth + 1, cause: cause)
            case let .update(target, relations, assignments, _):
                // The row as it is now (earlier actions may have changed it), reached through relations.
                guard var current = world.row(entity.name, entityId) else { continue }
                var currentEntity = entity
                for rel in relations {
                    guard let r = currentEntity.relation(named: rel), case .text(let fk)? = current[r.foreignKey],
                          let next = world.row(r.target, fk), let e = world.entity(r.target) else { current = [:]; break }
                    current = next
                    currentEntity = e
                }
                guard currentEntity.name == target, case .text(let key)? = current[currentEntity.key] else { continue }
                var new = current
                for a in assignments { new[a.name] = ev.eval(a.value) }
                process(Change(entity: currentEntity, op: .update, key: key, old: current, new: new), depth: depth + 1, cause: cause)
            }
        }
    }
}
