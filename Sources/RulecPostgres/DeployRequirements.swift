import RulecSchema
import RulecSemantics

/// The tables and columns a checked program reads or writes, found by walking every trigger,
/// condition and action. `rulec deploy` compares them with the live database before it changes
/// anything: the migration's plpgsql bodies are not checked when they are created, so a missing
/// column would otherwise surface only when a customer's change fires the rule.
public struct DeployRequirements: Sendable, Equatable {
    /// One column the rules need, with the rules that need it (for the diagnostic).
    public struct Column: Sendable, Equatable {
        public var entity: String
        public var field: String
        public var dbSchema: String
        public var table: String
        public var column: String
        public var rules: [String]
    }

    /// In a stable order: by table, then column.
    public var columns: [Column]

    /// The tables (`schema.table`) in the order of `columns`, each once.
    public var tables: [(dbSchema: String, table: String, entity: String)] {
        var seen = Set<String>()
        var out: [(String, String, String)] = []
        for c in columns where seen.insert("\(c.dbSchema).\(c.table)").inserted { out.append((c.dbSchema, c.table, c.entity)) }
        return out
    }

    public static func == (a: DeployRequirements, b: DeployRequirements) -> Bool { a.columns == b.columns }

    public init(program: CheckedProgram) {
        var walker = Walker(schema: program.schema)
        for rule in program.rules { walker.visit(rule) }
        columns = walker.found.values.sorted { ($0.dbSchema, $0.table, $0.column) < ($1.dbSchema, $1.table, $1.column) }
    }
}

/// Collects `entity.field` uses. Names were resolved by the checker; an unknown name here is
/// skipped rather than trapped, since the checker already reported it.
private struct Walker {
    let schema: Schema
    var found: [String: DeployRequirements.Column] = [:]
    var rule = ""
    /// The rule's own entity: `old(field)` reads it.
    var ruleEntity = ""

    init(schema: Schema) { self.schema = schema }

    mutating func use(_ entityName: String, _ field: String) {
        guard let e = schema.entity(named: entityName) else { return }
        let id = "\(e.dbSchema).\(e.table).\(field)"
        if found[id] == nil {
            found[id] = .init(entity: e.name, field: field, dbSchema: e.dbSchema, table: e.table, column: field, rules: [])
        }
        if !found[id]!.rules.contains(rule) { found[id]!.rules.append(rule) }
    }

    /// Every table the rules touch needs its key and tenant key: dispatch and timers read them.
    mutating func touch(_ entityName: String) {
        guard let e = schema.entity(named: entityName) else { return }
        use(e.name, e.key)
        if let tenant = e.tenantKey { use(e.name, tenant) }
    }

    /// Follows many-to-one relations from `start`, using each foreign key; returns the entity reached.
    mutating func follow(_ start: String, _ relations: [String]) -> String? {
        var current = start
        touch(current)
        for name in relations {
            guard let e = schema.entity(named: current), let r = e.relation(named: name) else { return nil }
            use(current, r.foreignKey)
            current = r.target
            touch(current)
        }
        return current
    }

    mutating func visit(_ r: CheckedRule) {
        rule = r.name
        ruleEntity = r.entity
        touch(r.entity)
        let bindings = [r.entity: r.entity]
        if let once = r.oncePer, let relation = once.relation { _ = follow(r.entity, [relation]) }
        for t in r.triggers {
            switch t {
            case .created, .updated, .deleted: break
            case let .changes(field, from, to):
                use(r.entity, field)
                if let from { visit(from, bindings) }
                if let to { visit(to, bindings) }
            case .meets(let e): visit(e, bindings)
            case let .reaches(value, threshold, related):
                visit(value, bindings)
                visit(threshold, bindings)
                for s in related { touch(s.entity); use(s.entity, s.foreignKey) }
            case .timer(let field, _): use(r.entity, field)
            }
        }
        if let c = r.condition { visit(c, bindings) }
        for a in r.actions {
            switch a {
            case let .external(_, arguments, _, _):
                for (_, v) in arguments { visit(v, bindings) }
            case let .create(entity, fields, _):
                touch(entity)
                for (name, v) in fields { use(entity, name); visit(v, bindings) }
            case let .update(entity, relations, assignments, _):
                _ = follow(r.entity, relations)
                for (name, v) in assignments { use(entity, name); visit(v, bindings) }
            }
        }
    }

    mutating func visit(_ e: TypedExpr, _ bindings: [String: String]) {
        switch e.kind {
        case .literal, .param, .now: break
        case let .field(binding, relations, field):
            guard let start = bindings[binding], let end = follow(start, relations) else { return }
            use(end, field)
        case .old(let field):
            use(ruleEntity, field)
        case let .call(_, args): for a in args { visit(a, bindings) }
        case .aggregate(let a):
            if let start = bindings[a.ownerBinding] { _ = follow(start, a.ownerRelations) }
            touch(a.relatedEntity)
            use(a.relatedEntity, a.foreignKey)
            if let f = a.field { use(a.relatedEntity, f) }
            var inner = bindings
            inner[a.binding] = a.relatedEntity
            if let filter = a.filter { visit(filter, inner) }
        case .not(let x), .negate(let x): visit(x, bindings)
        case let .binary(_, l, r): visit(l, bindings); visit(r, bindings)
        case let .membership(l, _, r): visit(l, bindings); visit(r, bindings)
        case .isNull(let x, _), .isEmpty(let x, _): visit(x, bindings)
        case .list(let xs): for x in xs { visit(x, bindings) }
        case .template(let parts):
            for case .value(let x) in parts { visit(x, bindings) }
        }
    }
}
