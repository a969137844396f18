import Foundation
import RulecSchema
import RulecSemantics
import RulecSyntax

/// The reference interpreter: executes a checked program over row changes with the semantics of
/// LANGUAGE.md, producing job records. The SQL backend is held to what this does.
///
/// For one change, rules run in program order (priority, then name); each rule's trigger and
/// condition are evaluated when its turn comes, after earlier rules' data actions and their
/// cascades (depth-first), exactly as one trigger function per table runs them in PostgreSQL.
public final class Engine {
    public let program: CheckedProgram
    public var settings: WorkspaceSettings
    /// The current time (microseconds since the epoch): the test clock.
    public private(set) var clock: Int64
    /// Records produced so far; `takeJobs()` drains them (streams keep memory bounded).
    public private(set) var jobs: [JobRecord] = []

    /// Changes made by rules cascade up to this depth; deeper ones are recorded, not run.
    public static let maxCascadeDepth = 8

    let world: World
    let index: RuleIndex
    var timers = TimerQueue()
    /// `once per`: rule and entity key → time of the last fire.
    var lastFire: [String: Int64] = [:]
    /// `limit`: rule, workspace and window → fires counted.
    var windowCounts: [String: Int64] = [:]
    /// Counter for generated ids, so runs are deterministic.
    var generatedIds = 0

    public init(program: CheckedProgram, settings: WorkspaceSettings = [:], clock: Int64) {
        self.program = program
        self.settings = settings
        self.clock = clock
        self.world = World(schema: program.schema)
        self.index = RuleIndex(program: program)
    }

    /// Inserts a row that exists before the scenario starts: defaults filled, no rule fires, no timer armed.
    public func seed(entity: String, row: Row) throws(EngineError) {
        let (e, full, key) = try prepareInsert(entity: entity, row: row)
        world.insert(e.name, key: key, row: full)
    }

    /// Applies one change. `at`, when given, first moves the clock forward (firing due timers).
    public func apply(_ event: Event, at time: Int64? = nil) throws(EngineError) {
        if let time { try advance(to: time) }
        switch event {
        case let .insert(entity, row):
            let (e, full, key) = try prepareInsert(entity: entity, row: row)
            process(Change(entity: e, op: .insert, key: key, old: nil, new: full), depth: 0, cause: nil)
        case let .update(entity, id, set):
            let e = try lookup(entity)
            guard let old = world.row(e.name, id) else { throw EngineError("update of \(entity) `\(id)`: no such row") }
            for (column, _) in set where e.field(named: column) == nil {
                throw EngineError("update of \(entity) `\(id)`: `\(entity)` has no field `\(column)`")
            }
            if let k = set[e.key], k != old[e.key] { throw EngineError("update of \(entity) `\(id)`: the key `\(e.key)` cannot change") }
            var new = old
            for (column, value) in set { new[column] = value }
            process(Change(entity: e, op: .update, key: id, old: old, new: new), depth: 0, cause: nil)
        case let .delete(entity, id):
            let e = try lookup(entity)
            guard let old = world.row(e.name, id) else { throw EngineError("delete of \(entity) `\(id)`: no such row") }
            process(Change(entity: e, op: .delete, key: id, old: old, new: nil), depth: 0, cause: nil)
        case .advance(let to):
            try advance(to: to)
        }
    }

    /// The rows of an entity, in insertion order.
    public func rows(_ entity: String) -> [Row] { world.allRows(entity) }

    /// Returns and forgets the records produced so far.
    public func takeJobs() -> [JobRecord] {
        defer { jobs.removeAll() }
        return jobs
    }

    // MARK: Clock and timers

    private func advance(to time: Int64) throws(EngineError) {
        guard time >= clock else {
            throw EngineError("the clock cannot go back from \(ValueFormatting.iso8601(clock)) to \(ValueFormatting.iso8601(time))")
        }
        // Each timer fires at its own time, earliest first; timers its actions arm may be due too.
        while let timer = timers.popDue(upTo: time, ruleOrder: index.order) {
            clock = timer.fireAt
            guard let row = world.row(timer.entity, timer.key) else { continue }
            let rule = program.rules[timer.rule]
            let e = world.entity(rule.entity)!
            fire(ruleIndex: timer.rule, entity: e, row: row, old: nil, depth: 0, time: timer.fireAt)
        }
        clock = time
    }

    // MARK: Changes

    private func lookup(_ entity: String) throws(EngineError) -> Entity {
        guard let e = world.entity(entity) else {
            let names = program.schema.entities.map(\.name)
            throw EngineError("unknown entity `\(entity)`; entities are \(names.joined(separator: ", "))")
        }
        return e
    }

    /// Fills defaults, checks the fields and the key of a row about to be inserted.
    func prepareInsert(entity: String, row: Row) throws(EngineError) -> (Entity, Row, String) {
        let e = try lookup(entity)
        for (column, _) in row where e.field(named: column) == nil {
            throw EngineError("\(entity) row: `\(entity)` has no field `\(column)`")
        }
        var full = row
        for f in e.fields where full[f.name] == nil {
            full[f.name] = defaultValue(f, entity: e)
        }
        guard case .text(let key)? = full[e.key] else {
            throw EngineError("\(entity) row: the key `\(e.key)` must be given as text")
        }
        if world.row(e.name, key) != nil { throw EngineError("\(entity) row: a row with \(e.key) `\(key)` already exists") }
        return (e, full, key)
    }

    private func defaultValue(_ f: Field, entity: Entity) -> Value {
        switch f.defaultValue {
        case .generated?:
            generatedIds += 1
            return .text("\(entity.name)_\(generatedIds)")
        case .now?: return .timestamp(clock)
        case .literal(let s)?: return ValueParsing.parse(s, as: ExprType(f.type)) ?? .null
        case .list(let items)?:
            guard case .list(let element) = f.type else { return .null }
            return .list(items.map { ValueParsing.parse($0, as: ExprType(element)) ?? .null })
        case .sql?, nil:
            if case .list = f.type, !f.nullable { return .list([]) }
            return .null
        }
    }

    /// Who made a change: the rule and action whose data action it is (nil for an outside event).
    struct Cause {
        var rule: Int
        var actionIndex: Int
        var time: Int64
    }

    func process(_ change: Change, depth: Int, cause: Cause?) {
        let e = change.entity
        // Reaches over aggregates need the value before the change: measure it first.
        let before = index.reachesListening(to: e.name).isEmpty && index.ownReaches(of: e.name).isEmpty
            ? [:] : measureBefore(change)
        let candidates = index.candidates(change)
        switch change.op {
        case .insert: world.insert(e.name, key: change.key, row: change.new!)
        case .update: world.replace(e.name, key: change.key, row: change.new!)
        case .delete: world.delete(e.name, key: change.key)
        }
        armTimers(change)
        if depth > Engine.maxCascadeDepth {
            if let cause, wouldFire(candidates, change, before: before) {
                let rule = program.rules[cause.rule]
                let row = change.new ?? change.old!
                record(JobRecord(workspaceId: tenant(of: row, in: e), rule: rule.name, action: nil, entity: e.name, entityId: change.key,
                                 params: [], status: .cascadeStopped, runAt: cause.time, priority: rule.priority,
                                 idempotencyKey: IdempotencyKey.make(rule: rule.name, actionIndex: cause.actionIndex, entity: e.name,
                                                                     entityId: change.key, fireTime: cause.time, params: "cascade_stopped")))
            }
            return
        }
        for ruleIndex in candidates {
            let rule = program.rules[ruleIndex]
            if rule.entity == e.name, ownTriggersMatch(ruleIndex, change, before: before) {
                fire(ruleIndex: ruleIndex, entity: e, row: change.new ?? change.old!, old: change.old, depth: depth, time: clock)
            }
            for (ownerKey, crossed) in relatedCrossings(ruleIndex, change, before: before) where crossed {
                guard let owner = world.entity(rule.entity), let row = world.row(owner.name, ownerKey) else { continue }
                fire(ruleIndex: ruleIndex, entity: owner, row: row, old: nil, depth: depth, time: clock)
            }
        }
    }

    /// Whether some rule would fire on the change: a trigger matches and the condition holds
    /// (settings, `once per` and limits aside). Beyond the cascade depth such a change is recorded.
    private func wouldFire(_ candidates: [Int], _ change: Change, before: [String: Bool]) -> Bool {
        func holds(_ rule: CheckedRule, _ entity: Entity, _ row: Row, _ old: Row?) -> Bool {
            guard let c = rule.condition else { return true }
            return evaluator(rule: rule, entity: entity, row: row, old: old, time: clock).holds(c)
        }
        for r in candidates {
            let rule = program.rules[r]
            if rule.entity == change.entity.name, ownTriggersMatch(r, change, before: before),
               holds(rule, change.entity, change.new ?? change.old!, change.old) {
                return true
            }
            for (ownerKey, crossed) in relatedCrossings(r, change, before: before) where crossed {
                if let owner = world.entity(rule.entity), let row = world.row(owner.name, ownerKey), holds(rule, owner, row, nil) { return true }
            }
        }
        return false
    }

    func tenant(of row: Row, in e: Entity) -> String? {
        guard let t = e.tenantKey, case .text(let w)? = row[t] else { return nil }
        return w
    }

    /// Keys recorded at the current time. A key names its fire time, which is always the clock when
    /// the record is made, and the clock never goes back: this set is all deduplication needs.
    private var keysAtTime: (time: Int64, keys: Set<String>) = (.min, [])

    /// Records a job once per idempotency key, as the outbox's unique key does: two identical
    /// fires at the same instant are one job.
    func record(_ job: JobRecord) {
        if keysAtTime.time != clock { keysAtTime = (clock, []) }
        guard keysAtTime.keys.insert(job.idempotencyKey).inserted else { return }
        jobs.append(job)
    }
}

/// One row change.
struct Change {
    enum Op { case insert, update, delete }
    let entity: Entity
    let op: Op
    let key: String
    let old: Row?
    let new: Row?
}
