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
    public var settings: WorkspaceSettings { didSet { hasSettings = !settings.isEmpty } }
    /// Most streams run without settings: then no rule needs a look-up by workspace.
    var hasSettings: Bool
    /// The current time (microseconds since the epoch): the test clock.
    public private(set) var clock: Int64
    /// Records produced so far; `takeJobs()` drains them (streams keep memory bounded).
    public private(set) var jobs: [JobRecord] = []

    /// Changes made by rules cascade up to this depth; deeper ones are recorded, not run.
    public static let maxCascadeDepth = 8

    let world: World
    let index: RuleIndex
    let rules: [CompiledRule]
    var timers = TimerQueue()
    /// `once per`: rule and entity key → time of the last fire.
    var lastFire: [String: Int64] = [:]
    /// `limit`: rule, workspace and window → fires counted.
    var windowCounts: [String: Int64] = [:]
    /// Counter for generated ids, so runs are deterministic. It never falls behind an int key
    /// that a given row or an inserted event names itself (`skipGiven`), so a row a rule creates
    /// later does not draw a key already taken.
    var generatedIds = 0
    /// Receives `--explain` lines: each change, the rules considered, why each fired or not.
    public var explain: ((String) -> Void)?

    public init(program: CheckedProgram, settings: WorkspaceSettings = [:], clock: Int64) {
        self.program = program
        self.settings = settings
        hasSettings = !settings.isEmpty
        self.clock = clock
        let world = World(schema: program.schema)
        self.world = world
        let rules = program.rules.map { CompiledRule($0, world: world, schema: program.schema) }
        self.rules = rules
        self.index = RuleIndex(program: program, rules: rules, world: world)
    }

    /// Inserts a row that exists before the scenario starts: defaults filled, no rule fires, no timer armed.
    public func seed(entity: String, row: Row) throws(EngineError) {
        let e = try lookup(entity)
        try seed(entity: e, values: values(of: row, in: e, what: "\(entity) row"))
    }

    /// `seed(entity:row:)` with the row given by field position (`RowValues`).
    public func seed(entity: Int, values: RowValues) throws(EngineError) {
        let (full, key) = try prepareInsert(entity: entity, values: values)
        skipGiven(entity, values)
        world.insert(entity, key: key, row: full)
    }

    /// Moves the generated-id counter past an int key given in `values`. Only given rows and
    /// inserted events count, not rows that rules create: the PostgreSQL test database does the
    /// same after each of its INSERTs (`PostgresScenarioBackend`), which a trigger's do not reach.
    private func skipGiven(_ entity: Int, _ values: RowValues) {
        if let k = world.keySlots[entity], k < values.count, case .int(let n)? = values[k], n > generatedIds, n < Int64(Int.max) {
            generatedIds = Int(n)
        }
    }

    /// Applies one change. `at`, when given, first moves the clock forward (firing due timers).
    public func apply(_ event: Event, at time: Int64? = nil) throws(EngineError) {
        switch event {
        case let .insert(entity, row):
            if let time { try advance(to: time) }
            let e = try lookup(entity)
            try apply(.insert(entity: e, row: values(of: row, in: e, what: "\(entity) row")), at: nil)
        case let .update(entity, id, set):
            if let time { try advance(to: time) }
            let e = try lookup(entity)
            guard world.contains(e, id) else { throw EngineError("update of \(entity) `\(id)`: no such row") }
            try apply(.update(entity: e, id: id, set: values(of: set, in: e, what: "update of \(entity) `\(id)`")), at: nil)
        case let .delete(entity, id):
            if let time { try advance(to: time) }
            try apply(.delete(entity: lookup(entity), id: id), at: nil)
        case .advance(let to):
            if let time { try advance(to: time) }
            try advance(to: to)
        }
    }

    /// Applies one change given by entity position and field position: what a decoded stream
    /// line becomes without a row of names. `at`, when given, first moves the clock forward.
    public func apply(_ event: PositionalEvent, at time: Int64? = nil) throws(EngineError) {
        if let time { try advance(to: time) }
        switch event {
        case let .insert(e, row):
            let (full, key) = try prepareInsert(entity: e, values: row)
            skipGiven(e, row)
            process(Change(entity: e, op: .insert, key: key, old: nil, new: full), depth: 0, cause: nil)
        case let .update(e, id, set):
            guard let old = world.row(e, id) else { throw EngineError("update of \(world.entities[e].name) `\(id)`: no such row") }
            if let k = world.keySlots[e], k < set.count, let key = set[k], key != old[k] {
                let entity = world.entities[e]
                throw EngineError("update of \(entity.name) `\(id)`: the key `\(entity.key)` cannot change")
            }
            // Built in one pass (a stream update gives most columns) rather than patching a copy.
            var new = Record()
            new.reserveCapacity(old.count)
            for slot in old.indices { new.append(slot < set.count ? set[slot] ?? old[slot] : old[slot]) }
            process(Change(entity: e, op: .update, key: id, old: old, new: new), depth: 0, cause: nil)
        case let .delete(e, id):
            guard let old = world.row(e, id) else { throw EngineError("delete of \(world.entities[e].name) `\(id)`: no such row") }
            process(Change(entity: e, op: .delete, key: id, old: old, new: nil), depth: 0, cause: nil)
        }
    }

    /// The position of an entity in the schema (`PositionalEvent`'s entities); nil for an unknown one.
    public func position(of entity: String) -> Int? { world.position(of: entity) }

    /// The rows of an entity, in insertion order.
    public func rows(_ entity: String) -> [Row] {
        guard let e = world.position(of: entity) else { return [] }
        let fields = world.entities[e].fields
        return world.allRows(e).map { record in
            var row: Row = [:]
            for (f, v) in zip(fields, record) { row[f.name] = v }
            return row
        }
    }

    /// A row of names as field positions, refusing a column the entity does not have.
    private func values(of row: Row, in e: Int, what: String) throws(EngineError) -> RowValues {
        let entity = world.entities[e]
        var out = RowValues(repeating: nil, count: entity.fields.count)
        for (column, value) in row {
            guard let slot = entity.fields.firstIndex(where: { $0.name == column }) else {
                throw EngineError("\(what): `\(entity.name)` has no field `\(column)`")
            }
            out[slot] = value
        }
        return out
    }

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
            explain?("timer of rule \(rules[timer.rule].name) on \(world.entities[timer.entity].name) \(timer.key) at \(ValueFormatting.iso8601(timer.fireAt))")
            fire(ruleIndex: timer.rule, rules[timer.rule], row: row, old: nil, depth: 0, time: timer.fireAt)
        }
        clock = time
    }

    // MARK: Changes

    private func lookup(_ entity: String) throws(EngineError) -> Int {
        guard let e = world.position(of: entity) else {
            let names = program.schema.entities.map(\.name)
            throw EngineError("unknown entity `\(entity)`; entities are \(names.joined(separator: ", "))")
        }
        return e
    }

    /// Fills defaults, checks the key of a row about to be inserted.
    func prepareInsert(entity position: Int, values: RowValues) throws(EngineError) -> (Record, String) {
        // The entity and its fields are only read where a default is needed: a copy of the
        // entity, or of each field while iterating, retained and released a dozen strings per
        // insert and seed.
        let count = world.entities[position].fields.count
        var full = Record()
        full.reserveCapacity(count)
        for slot in 0..<count {
            if slot < values.count, let v = values[slot] { full.append(v) }
            else { full.append(defaultValue(world.entities[position].fields[slot], entity: world.entities[position])) }
        }
        guard let k = world.keySlots[position], let key = full[k].keyText else {
            let e = world.entities[position]
            throw EngineError("\(e.name) row: the key `\(e.key)` must be given (a text or an int)")
        }
        if world.contains(position, key) {
            let e = world.entities[position]
            throw EngineError("\(e.name) row: a row with \(e.key) `\(key)` already exists")
        }
        return (full, key)
    }

    private func defaultValue(_ f: Field, entity: Entity) -> Value {
        switch f.defaultValue {
        case .generated?:
            generatedIds += 1
            return GeneratedKey.make(generatedIds, for: f.type, entity: entity.name)
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
        let by = index.entities[e]
        // Reaches over aggregates of related rows need the value before the change: measure it first.
        let before = by.relatedReaches.isEmpty ? [:] : measureBefore(change)
        let candidates = index.candidates(change)
        switch change.op {
        case .insert: world.insert(e, key: change.key, row: change.new!)
        case .update: world.replace(e, key: change.key, row: change.new!)
        case .delete: world.delete(e, key: change.key)
        }
        armTimers(change)
        if depth > Engine.maxCascadeDepth {
            if let cause, wouldFire(candidates, change, before: before) {
                let rule = program.rules[cause.rule]
                let row = change.new ?? change.old!
                let entity = world.entities[e]
                record(JobRecord(workspaceId: tenant(of: row, in: entity), rule: rule.name, action: nil, entity: entity.name,
                                 entityId: change.key, params: [], status: .cascadeStopped, runAt: cause.time, priority: rule.priority,
                                 idempotencyKey: IdempotencyKey.make(rule: rule.name, actionIndex: cause.actionIndex, entity: entity.name,
                                                                     entityId: change.key, fireTime: cause.time, params: "cascade_stopped")))
            }
            return
        }
        // The changed row, taken once for every candidate (not a copy per candidate).
        let row = change.new ?? change.old!
        if explain != nil {
            explainChange(change, depth: depth)
            if candidates.isEmpty { explain?("\(String(repeating: "  ", count: depth + 1))no rule watches this change") }
        }
        for ruleIndex in candidates {
            let rule = rules[ruleIndex]
            if rule.entity == e {
                let matched = ownTriggersMatch(ruleIndex, rule, change, before: before)
                if explain != nil { explainTriggers(rule, change, matched: matched, depth: depth) }
                if matched { fire(ruleIndex: ruleIndex, rule, row: row, old: change.old, depth: depth, time: clock) }
            }
            guard rule.entity != e || rule.listensTo.contains(e) else { continue }
            for (ownerKey, crossed) in relatedCrossings(ruleIndex, change, before: before) {
                if explain != nil {
                    explain?("\(String(repeating: "  ", count: depth + 1))rule \(rule.name): its aggregate on \(world.entities[rule.entity].name) \(ownerKey) "
                             + (crossed ? "crossed its threshold" : "did not cross its threshold"))
                }
                guard crossed, let row = world.row(rule.entity, ownerKey) else { continue }
                fire(ruleIndex: ruleIndex, rule, row: row, old: nil, depth: depth, time: clock)
            }
        }
    }

    /// Whether some rule would fire on the change: a trigger matches and the condition holds
    /// (settings, `once per` and limits aside). Beyond the cascade depth such a change is recorded.
    private func wouldFire(_ candidates: [Int], _ change: Change, before: [ReachKey: Bool]) -> Bool {
        func holdsOn(_ rule: CompiledRule, _ row: Record, _ old: Record?) -> Bool {
            guard let c = rule.condition else { return true }
            var f = frame(rule, row: row, old: old, time: clock)
            return holds(c, &f)
        }
        for r in candidates {
            let rule = rules[r]
            if rule.entity == change.entity, ownTriggersMatch(r, rule, change, before: before), holdsOn(rule, change.new ?? change.old!, change.old) {
                return true
            }
            guard rule.entity != change.entity || rule.listensTo.contains(change.entity) else { continue }
            for (ownerKey, crossed) in relatedCrossings(r, change, before: before) where crossed {
                if let row = world.row(rule.entity, ownerKey), holdsOn(rule, row, nil) { return true }
            }
        }
        return false
    }

    func tenant(of row: Record, in e: Entity) -> String? {
        guard let t = e.tenantKey, let slot = e.fields.firstIndex(where: { $0.name == t }), let w = row[slot].keyText else { return nil }
        return w
    }

    /// Keys recorded at the current time, each with how many numbered copies it has. A key names
    /// its fire time, which is always the clock when the record is made, and the clock never goes
    /// back: these are all the keys numbering needs.
    private var keysAtTime: (time: Int64, copies: [String: Int]) = (.min, [:])

    /// Every fire is a job: an identical fire of another change at the same instant (same rule,
    /// action, row and params) is numbered, `md5(key|1)`, `md5(key|2)`, as the outbox numbers it
    /// (`rulec.insert_job_again`). Keys include the fire time, which never goes back, so only the
    /// keys of the current instant are kept. `consuming`: the record its caller just made is
    /// moved into `jobs`, not copied.
    func record(_ job: consuming JobRecord) {
        // Emptied in place: nearly every event has its own time, and a new table each time was an
        // allocation (and a regrowth) per event that records jobs.
        if keysAtTime.time != clock {
            keysAtTime.time = clock
            keysAtTime.copies.removeAll(keepingCapacity: true)
        }
        var job = job
        let first = job.idempotencyKey
        if let n = keysAtTime.copies[first] {
            // The (n+1)-th copy: the outbox's insert finds keys 1…n taken and takes n+1 too.
            keysAtTime.copies[first] = n + 1
            job.idempotencyKey = IdempotencyKey.md5Hex("\(first)|\(n + 1)")
        } else {
            keysAtTime.copies[first] = 0
        }
        jobs.append(job)
    }
}

/// One row change; `entity` is the position of its entity in the schema.
struct Change {
    enum Op { case insert, update, delete }
    let entity: Int
    let op: Op
    let key: String
    let old: Record?
    let new: Record?
}
