import RulecSchema
import RulecSemantics

/// Which rules a change can fire, found without looking at the others: rules are indexed by
/// entity, operation and watched column, so the cost of an event does not grow with rules that
/// cannot match it.
struct RuleIndex {
    struct TimerSpec {
        var rule: Int
        var trigger: Int
        var field: String
        var offset: Int64
    }

    /// Position of each rule in run order (the program's order).
    let order: [Int]
    private var onInsert: [String: Dispatch] = [:]
    private var onUpdate: [String: Dispatch] = [:]
    private var onDelete: [String: Dispatch] = [:]
    /// entity → column → rules with `changes` on it.
    private var onColumn: [String: [String: Dispatch]] = [:]
    /// Related entity → rules whose `reaches` aggregates read it.
    private var relatedReaches: [String: [Int]] = [:]
    private var ownReachRules: [String: [Int]] = [:]
    private(set) var timers: [String: [TimerSpec]] = [:]

    init(program: CheckedProgram) {
        order = Array(program.rules.indices)
        for (i, rule) in program.rules.enumerated() {
            let e = rule.entity
            let key = RuleIndex.dispatchKey(rule, tenantKey: program.schema.entities.first { $0.name == e }?.tenantKey)
            for (t, trigger) in rule.triggers.enumerated() {
                switch trigger {
                case .created: onInsert[e, default: Dispatch()].add(i, key: key)
                case .updated: onUpdate[e, default: Dispatch()].add(i, key: key)
                case .deleted: onDelete[e, default: Dispatch()].add(i, key: key)
                case .changes(let field, _, _): onColumn[e, default: [:]][field, default: Dispatch()].add(i, key: key)
                case .meets:
                    onInsert[e, default: Dispatch()].add(i, key: key)
                    onUpdate[e, default: Dispatch()].add(i, key: key)
                case .reaches(_, _, let related):
                    onUpdate[e, default: Dispatch()].add(i, key: key)
                    RuleIndex.add(i, to: &ownReachRules[e, default: []])
                    for r in related { RuleIndex.add(i, to: &relatedReaches[r.entity, default: []]) }
                case .timer(let field, let offset):
                    timers[e, default: []].append(TimerSpec(rule: i, trigger: t, field: field, offset: offset))
                }
            }
        }
    }

    private static func add(_ i: Int, to list: inout [Int]) {
        if list.last != i { list.append(i) }
    }

    /// Rules to consider for a change, in run order. A rule whose condition requires one of the
    /// row's columns to equal a constant is only considered when the changed row holds it.
    func candidates(_ change: Change) -> [Int] {
        let e = change.entity.name
        var out = relatedReaches[e] ?? []
        let row = change.new ?? change.old ?? [:]
        switch change.op {
        case .insert: onInsert[e]?.collect(row: row, into: &out)
        case .delete: onDelete[e]?.collect(row: row, into: &out)
        case .update:
            onUpdate[e]?.collect(row: row, into: &out)
            if let byColumn = onColumn[e], let old = change.old, let new = change.new {
                for (column, rules) in byColumn where isDistinct(old[column], new[column]) { rules.collect(row: row, into: &out) }
            }
        }
        guard out.count > 1 else { return out }
        out.sort()
        var unique: [Int] = []
        unique.reserveCapacity(out.count)
        for r in out where r != unique.last { unique.append(r) }
        return unique
    }

    /// Rules of one entity and operation (or watched column), split by a constant their
    /// condition requires of the row.
    struct Dispatch {
        /// Rules with no such constant, in run order.
        var unkeyed: [Int] = []
        /// column → value → rules whose condition holds `column = value` at its top level.
        var keyed: [String: [String: [Int]]] = [:]

        mutating func add(_ i: Int, key: (column: String, value: String)?) {
            if let key { RuleIndex.add(i, to: &keyed[key.column, default: [:]][key.value, default: []]) }
            else { RuleIndex.add(i, to: &unkeyed) }
        }

        /// Appends the rules that can match `row` (unsorted across groups).
        func collect(row: Row, into out: inout [Int]) {
            out.append(contentsOf: unkeyed)
            for (column, byValue) in keyed {
                if case .text(let v)? = row[column], let rules = byValue[v] { out.append(contentsOf: rules) }
            }
        }
    }

    /// A `column = "constant"` conjunct of the rule's condition on its own row (the tenant key
    /// preferred), or nil. Only used to skip rules: the whole condition is still evaluated, and a
    /// row whose column differs from the constant can never satisfy a conjunction requiring it.
    // INVARIANT: the condition is evaluated on the changed row (`new`, or `old` for a delete),
    // which is the row `candidates` reads; a row whose value is a text unequal to the constant,
    // or not a text at all, makes the conjunct false or unknown, and so the condition not true.
    static func dispatchKey(_ rule: CheckedRule, tenantKey: String?) -> (column: String, value: String)? {
        guard let condition = rule.condition else { return nil }
        var found: [(column: String, value: String)] = []
        func visit(_ e: TypedExpr) {
            switch e.kind {
            case let .binary(.and, l, r):
                visit(l)
                visit(r)
            case let .binary(.equal, l, r):
                // Text and enum columns only: their values are texts compared byte for byte.
                let (field, constant) = l.isLiteral ? (r, l) : (l, r)
                guard field.type.isTextual || field.type.isEnumeration,
                      case let .field(b, rels, f) = field.kind, b == rule.entity, rels.isEmpty,
                      case .literal(.text(let v)) = constant.kind else { return }
                found.append((f, v))
            default: break
            }
        }
        visit(condition)
        return found.first { $0.column == tenantKey } ?? found.first
    }

    func reachesListening(to entity: String) -> [Int] { relatedReaches[entity] ?? [] }
    func ownReaches(of entity: String) -> [Int] { ownReachRules[entity] ?? [] }
}

/// SQL `IS DISTINCT FROM`: nulls are equal to each other and distinct from every value.
func isDistinct(_ a: Value?, _ b: Value?) -> Bool {
    let x = a ?? .null, y = b ?? .null
    if x.isNull || y.isNull { return x.isNull != y.isNull }
    return Comparison.equal(x, y) != true
}

private extension TypedExpr {
    var isLiteral: Bool { if case .literal = kind { return true }; return false }
}

private extension ExprType {
    var isEnumeration: Bool { if case .enumeration = self { return true }; return false }
}
