import RulecSchema
import RulecSemantics

/// Which columns of each entity the engine can ever read when it runs a program: the fields its
/// rules name (conditions, triggers, action arguments, aggregates, timers), the foreign keys of
/// the relations they follow, and every key and tenant key. A stream decoder may leave every other
/// column's value unmade (it still validates it): nothing the engine does depends on it, and
/// decoding the values of ten columns a record, most never read, was the larger half of
/// `rulec run` on few rules.
///
/// The answer is by name, over the whole program: a field named by any rule counts as read in
/// every entity that has a field of that name. That over-approximates, never misses.
// INVARIANT: every slot of a world row that `Engine` reads (through `CompiledRule`,
// `ExpressionCompiler`, `RuleIndex`, `RelationPath`, timers, tenants, keys) is marked read.
public enum ReadColumns {
    /// For each entity of `program.schema.entities` (by position), for each of its fields (by
    /// slot): whether the engine may read it.
    public static func of(_ program: CheckedProgram) -> [[Bool]] {
        let schema = program.schema
        var names = Set<String>()
        var relations = Set<String>()
        func expr(_ e: TypedExpr) {
            switch e.kind {
            case .literal, .param, .now: break
            case let .field(_, rels, field):
                relations.formUnion(rels)
                names.insert(field)
            case .old(let field): names.insert(field)
            case .call(_, let args): args.forEach(expr)
            case .aggregate(let a):
                relations.formUnion(a.ownerRelations)
                names.insert(a.foreignKey)
                if let f = a.field { names.insert(f) }
                if let filter = a.filter { expr(filter) }
            case .not(let x), .negate(let x), .isNull(let x, _), .isEmpty(let x, _): expr(x)
            case let .binary(_, l, r), let .membership(l, _, r):
                expr(l)
                expr(r)
            case .list(let items): items.forEach(expr)
            case .template(let parts):
                for case .value(let x) in parts { expr(x) }
            }
        }
        for rule in program.rules {
            if let c = rule.condition { expr(c) }
            if let rel = rule.oncePer?.relation { relations.insert(rel) }
            for trigger in rule.triggers {
                switch trigger {
                case .created, .updated, .deleted: break
                case let .changes(field, from, to):
                    names.insert(field)
                    from.map(expr)
                    to.map(expr)
                case .meets(let c): expr(c)
                case let .reaches(value, threshold, related):
                    expr(value)
                    expr(threshold)
                    for r in related { names.insert(r.foreignKey) }
                case .timer(let field, _): names.insert(field)
                }
            }
            for action in rule.actions {
                switch action {
                case let .external(_, arguments, _, _): arguments.forEach { expr($0.value) }
                case let .create(_, fields, _): fields.forEach { expr($0.value) }
                case let .update(_, rels, assignments, _):
                    relations.formUnion(rels)
                    assignments.forEach { expr($0.value) }
                }
            }
        }
        for e in schema.entities {
            names.insert(e.key)
            if let t = e.tenantKey { names.insert(t) }
            for r in e.relations where relations.contains(r.name) { names.insert(r.foreignKey) }
        }
        return schema.entities.map { e in e.fields.map { names.contains($0.name) } }
    }
}
