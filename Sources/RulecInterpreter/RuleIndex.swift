import RulecSchema
import RulecSemantics

/// Which rules a change can fire, found without looking at the others: rules are indexed by
/// entity, operation and watched column, so the cost of an event does not grow with rules that
/// cannot match it.
struct RuleIndex {
    struct TimerSpec {
        var rule: Int
        var trigger: Int
        /// nil: a field the entity does not have, so the timer is never armed.
        var slot: Int?
        var offset: Int64
    }

    /// Rules of one entity, by what makes them candidates. A class, read once per change without a copy.
    final class ByEntity {
        var onInsert = Dispatch()
        var onUpdate = Dispatch()
        var onDelete = Dispatch()
        /// slot → rules with `changes` on that column.
        var onColumn: [(slot: Int, rules: Dispatch)] = []
        /// Rules whose `reaches` aggregates read this entity.
        var relatedReaches: [Int] = []
        var timers: [TimerSpec] = []
    }

    /// Position of each rule in run order (the program's order).
    let order: [Int]
    /// By entity position in the schema.
    let entities: [ByEntity]

    init(program: CheckedProgram, rules: [CompiledRule], world: World) {
        order = Array(program.rules.indices)
        entities = world.entities.map { _ in ByEntity() }
        for (i, rule) in program.rules.enumerated() {
            guard let e = world.position(of: rule.entity) else { continue }
            func slot(_ name: String) -> Int? { world.entities[e].fields.firstIndex { $0.name == name } }
            // A column of the entity the rule's condition requires a constant of; a column it
            // does not have stops the path there (the rule is then found by the keys before).
            var key: [(slot: Int, value: String)] = []
            for k in RuleIndex.dispatchKeys(rule, tenantKey: world.entities[e].tenantKey) {
                guard let s = slot(k.column) else { break }
                key.append((s, k.value))
            }
            for (t, trigger) in rule.triggers.enumerated() {
                switch trigger {
                case .created: entities[e].onInsert.add(i, key: key)
                case .updated: entities[e].onUpdate.add(i, key: key)
                case .deleted: entities[e].onDelete.add(i, key: key)
                case .changes(let field, _, _):
                    // A column the entity does not have never changes: nothing to index.
                    guard let s = slot(field) else { continue }
                    if let j = entities[e].onColumn.firstIndex(where: { $0.slot == s }) { entities[e].onColumn[j].rules.add(i, key: key) }
                    else {
                        var d = Dispatch()
                        d.add(i, key: key)
                        entities[e].onColumn.append((s, d))
                    }
                case .meets:
                    entities[e].onInsert.add(i, key: key)
                    entities[e].onUpdate.add(i, key: key)
                case .reaches:
                    entities[e].onUpdate.add(i, key: key)
                    for r in rules[i].listensTo { RuleIndex.add(i, to: &entities[r].relatedReaches) }
                case .timer(let field, let offset):
                    entities[e].timers.append(TimerSpec(rule: i, trigger: t, slot: slot(field), offset: offset))
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
        let by = entities[change.entity]
        var union = Union()
        union.add(by.relatedReaches)
        let row = change.new ?? change.old!
        switch change.op {
        case .insert: by.onInsert.collect(row: row, into: &union)
        case .delete: by.onDelete.collect(row: row, into: &union)
        case .update:
            by.onUpdate.collect(row: row, into: &union)
            if let old = change.old, let new = change.new {
                for (slot, rules) in by.onColumn where isDistinct(old[slot], new[slot]) { rules.collect(row: row, into: &union) }
            }
        }
        return union.rules
    }

    /// The union of sorted lists of rules, sorted and without repeats, merged as they come: one
    /// list (the usual case) is shared, not copied.
    struct Union {
        private(set) var rules: [Int] = []

        mutating func add(_ list: [Int]) {
            if list.isEmpty { return }
            rules = rules.isEmpty ? list : RuleIndex.merge(rules, list)
        }
    }

    static func merge(_ a: [Int], _ b: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { out.append(a[i]); i += 1 }
            else if a[i] > b[j] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    /// Rules of one entity and operation (or watched column), split by the constants their
    /// condition requires of the row: by a first column's value, then within it by a second's.
    struct Dispatch {
        /// Rules with no further constant, in run order.
        var unkeyed: [Int] = []
        /// (column slot, value → rules whose condition holds `column = value` at its top level,
        /// split again by their next such column).
        var keyed: [(slot: Int, byValue: [String: Dispatch])] = []

        /// Adds rule `i` under the path of constants `key` (first column first).
        mutating func add(_ i: Int, key: some Collection<(slot: Int, value: String)>) {
            guard let first = key.first else { return RuleIndex.add(i, to: &unkeyed) }
            let j: Int
            if let k = keyed.firstIndex(where: { $0.slot == first.slot }) { j = k } else {
                keyed.append((first.slot, [:]))
                j = keyed.count - 1
            }
            keyed[j].byValue[first.value, default: Dispatch()].add(i, key: key.dropFirst())
        }

        /// Adds the rules that can match `row`.
        func collect(row: Record, into union: inout Union) {
            union.add(unkeyed)
            for (slot, byValue) in keyed {
                if case .text(let v) = row[slot], let next = byValue[v] { next.collect(row: row, into: &union) }
            }
        }
    }

/// Up to two `column = "constant"` conjuncts of the rule's condition on its own row, of two
    /// columns (the tenant key first when there is one). Only used to skip rules: the whole
    /// condition is still evaluated, and a row whose column differs from a constant can never
    /// satisfy a conjunction requiring it. Two, not one: at 1,000 rules a tenant's rules of one
    /// entity and operation are still a few dozen an event, and most also require a status or
    /// a direction.
    // INVARIANT: the condition is evaluated on the changed row (`new`, or `old` for a delete),
    // which is the row `candidates` reads; a row whose value is a text unequal to the constant,
    // or not a text at all, makes the conjunct false or unknown, and so the condition not true.
    static func dispatchKeys(_ rule: CheckedRule, tenantKey: String?) -> [(column: String, value: String)] {
        guard let condition = rule.condition else { return [] }
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
        guard let first = found.first(where: { $0.column == tenantKey }) ?? found.first else { return [] }
        guard let second = found.first(where: { $0.column != first.column }) else { return [first] }
        return [first, second]
    }

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
