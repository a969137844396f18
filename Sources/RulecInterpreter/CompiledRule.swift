import RulecSchema
import RulecSemantics

/// A checked rule made ready to run, once, when the engine is made: its entity by position, its
/// fields by slot, its params by slot, its condition, triggers and action arguments compiled.
/// Firing it then looks nothing up by name (except settings, by workspace). A class: it is read
/// for every candidate of every event, and a struct of this size would be copied (and its
/// references retained) each time.
final class CompiledRule {
    enum Trigger {
        case created, updated, deleted
        /// `slot` nil: a field the entity does not have, which never changes.
        case changes(slot: Int?, from: Compiled?, to: Compiled?)
        case meets(Compiled)
        case reaches(value: Compiled, threshold: Compiled, related: [Int])
        case timer
    }

    enum Action {
        /// `constant`: the params and their JSON when every argument is a literal, made once.
        case external(name: String, arguments: [(name: String, value: Compiled)], required: [Bool], delay: Int64?,
                      constant: (params: [(name: String, value: Value)], json: String)?)
        /// `fields` nil when one does not resolve: such a create is refused, as an insert of an unknown field is.
        case create(entity: Int?, fields: [(slot: Int, value: Compiled)]?)
        /// `path` nil when a relation does not resolve: the update then finds no row.
        case update(target: String, path: RelationPath?, assignments: [(slot: Int, value: Compiled)])
    }

    /// Whose fires `once per` counts: the fired row, or the row a foreign key points at.
    enum OnceSubject {
        case row
        /// `slot` nil: a foreign key the entity does not have, so no subject.
        case foreignKey(slot: Int?)
    }

    let rule: CheckedRule
    let name: String
    let entity: Int
    let entityName: String
    let keySlot: Int?
    let tenantSlot: Int?
    /// Param name → slot, and the defaults by slot.
    let paramSlots: [String: Int]
    let paramDefaults: [Value]
    /// Binding slots beyond the rule's row, for aggregate filters.
    let boundCount: Int
    let condition: Compiled?
    let triggers: [Trigger]
    /// Whether a `created`, `updated` or `deleted` trigger matches every insert, update or delete.
    let onAnyInsert: Bool, onAnyUpdate: Bool, onAnyDelete: Bool
    /// Whether some trigger reads expressions (`changes from/to`, `meets`, `reaches`) and so needs a frame.
    let triggersEvaluate: Bool
    let actions: [Action]
    let onceSubject: OnceSubject
    /// For each `reaches` over related rows: related entity position and its foreign key slot.
    let owners: [(entity: Int, fk: Int?)]
    /// Related entities whose changes the rule's `reaches` aggregates read.
    /// Sorted, usually empty: a list is cheaper to ask than a set at this size.
    let listensTo: [Int]

    init(_ rule: CheckedRule, world: World, schema: Schema) {
        self.rule = rule
        name = rule.name
        let e = world.position(of: rule.entity) ?? 0
        entity = e
        let ent = world.entities[e]
        entityName = ent.name
        func slot(_ name: String, _ entity: Int) -> Int? { world.entities[entity].fields.firstIndex { $0.name == name } }
        keySlot = slot(ent.key, e)
        tenantSlot = ent.tenantKey.flatMap { slot($0, e) }
        var paramSlots: [String: Int] = [:]
        var defaults: [Value] = []
        for p in rule.params {
            if let i = paramSlots[p.name] { defaults[i] = p.defaultValue; continue }
            paramSlots[p.name] = defaults.count
            defaults.append(p.defaultValue)
        }
        self.paramSlots = paramSlots
        paramDefaults = defaults
        var compiler = ExpressionCompiler(world: world, params: paramSlots, binding: rule.entity, entity: e)
        condition = rule.condition.map { compiler.compile($0) }
        var owners: [(entity: Int, fk: Int?)] = []
        var listens = Set<Int>()
        triggers = rule.triggers.map { trigger in
            switch trigger {
            case .created: return .created
            case .updated: return .updated
            case .deleted: return .deleted
            case let .changes(field, from, to):
                return .changes(slot: slot(field, e), from: from.map { compiler.compile($0) }, to: to.map { compiler.compile($0) })
            case .meets(let c): return .meets(compiler.compile(c))
            case let .reaches(value, threshold, related):
                var positions: [Int] = []
                for r in related {
                    guard let p = world.position(of: r.entity) else { continue }
                    positions.append(p)
                    listens.insert(p)
                    owners.append((p, slot(r.foreignKey, p)))
                }
                return .reaches(value: compiler.compile(value), threshold: compiler.compile(threshold), related: positions)
            case .timer: return .timer
            }
        }
        self.owners = owners
        listensTo = listens.sorted()
        onAnyInsert = rule.triggers.contains { if case .created = $0 { return true }; return false }
        onAnyUpdate = rule.triggers.contains { if case .updated = $0 { return true }; return false }
        onAnyDelete = rule.triggers.contains { if case .deleted = $0 { return true }; return false }
        triggersEvaluate = rule.triggers.contains {
            switch $0 {
            case let .changes(_, from, to): return from != nil || to != nil
            case .meets, .reaches: return true
            default: return false
            }
        }
        actions = rule.actions.map { action in
            switch action {
            case let .external(name, arguments, delay, _):
                let spec = schema.action(named: name)
                var literals: [(name: String, value: Value)]? = []
                for a in arguments {
                    if case .literal(let v) = a.value.kind { literals?.append((a.name, v)) } else { literals = nil }
                }
                return .external(name: name, arguments: arguments.map { ($0.name, compiler.compile($0.value)) },
                                 required: arguments.map { !(spec?.parameter(named: $0.name)?.optional ?? true) }, delay: delay,
                                 constant: literals.map { ($0, ValueFormatting.jsonObject($0)) })
            case let .create(target, fields, _):
                let t = world.position(of: target)
                var out: [(slot: Int, value: Compiled)]? = []
                for f in fields {
                    let value = compiler.compile(f.value)
                    guard let t, let s = slot(f.name, t) else { out = nil; continue }
                    // A later assignment of the same field wins, as in a row being built.
                    out?.removeAll { $0.slot == s }
                    out?.append((s, value))
                }
                return .create(entity: t, fields: out)
            case let .update(target, relations, assignments, _):
                let resolved = compiler.path(relations, from: e)
                let assigned: [(slot: Int, value: Compiled)] = assignments.compactMap { a in
                    let value = compiler.compile(a.value)
                    guard let end = resolved?.end, let s = slot(a.name, end) else { return nil }
                    return (s, value)
                }
                return .update(target: target, path: resolved, assignments: assigned)
            }
        }
        if let once = rule.oncePer, let rel = once.relation, let r = ent.relation(named: rel) {
            onceSubject = .foreignKey(slot: slot(r.foreignKey, e))
        } else {
            onceSubject = .row
        }
        boundCount = compiler.boundCount
    }

    /// A frame for evaluating this rule on a row.
    @inline(__always)
    func frame(_ world: World, now: Int64, params: [Value], row: Record, old: Record?) -> Frame {
        Frame(world: world, now: now, params: params, row: row, old: old, boundCount: boundCount)
    }
}
