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
    private var onInsert: [String: [Int]] = [:]
    private var onUpdate: [String: [Int]] = [:]
    private var onDelete: [String: [Int]] = [:]
    /// entity → column → rules with `changes` on it.
    private var onColumn: [String: [String: [Int]]] = [:]
    /// Related entity → rules whose `reaches` aggregates read it.
    private var relatedReaches: [String: [Int]] = [:]
    private var ownReachRules: [String: [Int]] = [:]
    private var allByEntity: [String: [Int]] = [:]
    private(set) var timers: [String: [TimerSpec]] = [:]

    init(program: CheckedProgram) {
        order = Array(program.rules.indices)
        for (i, rule) in program.rules.enumerated() {
            let e = rule.entity
            allByEntity[e, default: []].append(i)
            for (t, trigger) in rule.triggers.enumerated() {
                switch trigger {
                case .created: RuleIndex.add(i, to: &onInsert[e, default: []])
                case .updated: RuleIndex.add(i, to: &onUpdate[e, default: []])
                case .deleted: RuleIndex.add(i, to: &onDelete[e, default: []])
                case .changes(let field, _, _): RuleIndex.add(i, to: &onColumn[e, default: [:]][field, default: []])
                case .meets:
                    RuleIndex.add(i, to: &onInsert[e, default: []])
                    RuleIndex.add(i, to: &onUpdate[e, default: []])
                case .reaches(_, _, let related):
                    RuleIndex.add(i, to: &onUpdate[e, default: []])
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

    /// Rules to consider for a change, in run order.
    func candidates(_ change: Change) -> [Int] {
        let e = change.entity.name
        var set = Set(relatedReaches[e] ?? [])
        switch change.op {
        case .insert: set.formUnion(onInsert[e] ?? [])
        case .delete: set.formUnion(onDelete[e] ?? [])
        case .update:
            set.formUnion(onUpdate[e] ?? [])
            if let byColumn = onColumn[e], let old = change.old, let new = change.new {
                for (column, rules) in byColumn where isDistinct(old[column], new[column]) { set.formUnion(rules) }
            }
        }
        return set.sorted()
    }

    func rules(listeningTo entity: String) -> [Int] { allByEntity[entity] ?? [] }
    func reachesListening(to entity: String) -> [Int] { relatedReaches[entity] ?? [] }
    func ownReaches(of entity: String) -> [Int] { ownReachRules[entity] ?? [] }
}

/// SQL `IS DISTINCT FROM`: nulls are equal to each other and distinct from every value.
func isDistinct(_ a: Value?, _ b: Value?) -> Bool {
    let x = a ?? .null, y = b ?? .null
    if x.isNull || y.isNull { return x.isNull != y.isNull }
    return Comparison.equal(x, y) != true
}
