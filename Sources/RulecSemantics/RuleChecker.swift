import Foundation
import RulecDiagnostics
import RulecSchema
import RulecSyntax

/// Checks one rule: its triggers fix the entity, then clauses, condition and actions are typed
/// in a scope where that entity's name is bound to the changed row.
struct RuleChecker {
    let checker: Checker
    let rule: RuleDecl
    var schema: Schema { checker.schema }
    var params: [String: CheckedParam] = [:]
    var entity: Entity!
    /// `old()` is allowed only when every trigger has a previous row.
    var oldAllowed = false

    init(checker: Checker, rule: RuleDecl) {
        self.checker = checker
        self.rule = rule
    }

    func report(_ d: Diagnostic) { checker.report(d) }

    mutating func check() -> CheckedRule? {
        let errorsBefore = checker.errorCount
        guard let entity = resolveRuleEntity() else { return nil }
        self.entity = entity
        oldAllowed = rule.triggers.allSatisfy {
            switch $0.kind {
            case .lifecycle(_, .updated), .changes: return true
            default: return false
            }
        }
        let checkedParams = checkParams()
        let scope = Scope(bindings: [entity.name: entity.name])
        let oncePer = rule.oncePer.flatMap(checkOncePer)
        let limit = rule.limit.flatMap(checkLimit)
        var triggers: [CheckedTrigger] = []
        for t in rule.triggers {
            if let c = checkTrigger(t, scope: scope) { triggers.append(c) }
        }
        var condition: TypedExpr?
        if let c = rule.condition {
            condition = checkCondition(c, scope: scope, what: "the `if` condition")
        }
        let guarded = condition.map(nonNullPaths) ?? []
        var actions: [CheckedAction] = []
        for a in rule.actions {
            if let c = checkAction(a, scope: scope, guarded: guarded) { actions.append(c) }
        }
        let errorsAfter = checker.errorCount
        guard errorsAfter == errorsBefore else { return nil }
        return CheckedRule(name: rule.name.name, description: rule.description, params: checkedParams, oncePer: oncePer,
                           limit: limit, priority: rule.priority?.level ?? .normal, entity: entity.name, triggers: triggers,
                           condition: condition, actions: actions, range: rule.range, sourceHash: checker.sourceHash(rule.range))
    }

    // MARK: Entity of the rule

    /// The entity a trigger is about, as written.
    private func triggerEntityName(_ t: Trigger) -> Identifier? {
        switch t.kind {
        case .lifecycle(let e, _), .meets(let e, _): return e
        case .changes(let field, _, _): return field.path?.first
        case .timer(_, _, let field): return field.path?.first
        case .reaches(let value, _): return rootName(value)
        }
    }

    /// The first bound name an expression starts from (`workspace` in `workspace.storage_used * 2`).
    private func rootName(_ e: Expr) -> Identifier? {
        switch e.kind {
        case .name, .member: return e.path?.first
        case .aggregate(let a): return a.source.path?.first
        case .binary(_, let l, let r): return rootName(l) ?? rootName(r)
        case .unary(_, let x): return rootName(x)
        case .call(_, let args): return args.lazy.compactMap(rootName).first
        default: return nil
        }
    }

    private func resolveRuleEntity() -> Entity? {
        var found: Entity?
        var firstName: Identifier?
        for t in rule.triggers {
            guard let name = triggerEntityName(t) else {
                report(.error(.invalidTrigger, "this trigger does not name an entity", at: t.range,
                              help: "start from an entity's field, e.g. `contact.score reaches 10`"))
                return nil
            }
            guard let e = lookupEntity(name) else { return nil }
            if let f = found, f.name != e.name {
                report(.error(.mixedTriggerEntities, "triggers of rule `\(rule.name.name)` are on different entities: `\(f.name)` and `\(e.name)`",
                              at: name.range, labels: [DiagnosticLabel(firstName!.range, "the rule is about `\(f.name)` here")],
                              help: "all triggers joined by `or` are on one entity; write a second rule for `\(e.name)`"))
                return nil
            }
            if found == nil { found = e; firstName = name }
        }
        return found
    }

    func lookupEntity(_ name: Identifier) -> Entity? {
        if let e = schema.entity(named: name.name) { return e }
        var help = checker.suggestion(for: name.name, among: schema.entities.map(\.name), kind: "entities")
        if let e = schema.entities.first(where: { $0.table == name.name }) {
            help = "entities are named in the singular: did you mean `\(e.name)`?"
        }
        report(.error(.unknownEntity, "unknown entity `\(name.name)`", at: name.range, help: help))
        return nil
    }

    // MARK: Params and clauses

    private mutating func checkParams() -> [CheckedParam] {
        var out: [CheckedParam] = []
        for p in rule.params {
            if params[p.name.name] != nil {
                report(.error(.invalidParam, "param `\(p.name.name)` is declared twice", at: p.name.range, help: "remove one declaration"))
                continue
            }
            if schema.entity(named: p.name.name) != nil {
                report(.error(.invalidParam, "param `\(p.name.name)` has the name of an entity", at: p.name.range, help: "choose another name"))
                continue
            }
            guard let type = resolveType(p.type) else { continue }
            let scope = Scope(bindings: [:])
            // Registered even when the default is wrong, so uses of the param stay quiet.
            var param = CheckedParam(name: p.name.name, type: type, defaultValue: .null)
            defer { params[p.name.name] = param }
            guard let value = expression(p.defaultValue, scope: scope, expected: type) else { continue }
            // The language has no timestamp literal: a timestamp param's default is ISO 8601 text.
            if type == .timestamp, case .literal(.text(let text)) = value.kind {
                guard let t = Timestamps.parse(text) else {
                    report(.error(.invalidParam, "the default of `\(p.name.name)` is not an ISO 8601 timestamp", at: p.defaultValue.range,
                                  help: "write e.g. `\"2026-11-24T09:00:00Z\"` (UTC) or `\"2026-11-24T11:00:00+02:00\"`"))
                    continue
                }
                param.defaultValue = .timestamp(t)
                out.append(param)
                continue
            }
            guard let v = constantValue(value), isAssignable(value, to: type) else {
                report(.error(.invalidParam, "the default of `\(p.name.name)` must be a literal \(type), but this is \(value.type)", at: p.defaultValue.range,
                              help: "give a literal of type \(type)"))
                continue
            }
            param.defaultValue = coerce(v, to: type)
            out.append(param)
        }
        return out
    }

    /// The value of a constant expression: a literal, a negated number, or a list of constants.
    func constantValue(_ e: TypedExpr) -> Value? {
        switch e.kind {
        case .literal(let v): return v
        case .negate(let x):
            switch constantValue(x) {
            case .int(let n)?: return .int(-n)
            case .decimal(let d)?: return .decimal(-d)
            case .duration(let d)?: return .duration(-d)
            default: return nil
            }
        case .list(let items):
            var values: [Value] = []
            for i in items { guard let v = constantValue(i) else { return nil }; values.append(v) }
            return .list(values)
        default: return nil
        }
    }

    func resolveType(_ t: TypeRef) -> ExprType? {
        switch t {
        case .list(let inner, _): return resolveType(inner).map { .list($0) }
        case .named(let id):
            if id.name.isEmpty { return nil }
            do {
                return ExprType(try FieldType(spelling: id.name, enums: Set(schema.enums.map(\.name))))
            } catch {
                let builtIn = ["text", "int", "decimal", "bool", "timestamp", "duration", "uuid", "phone", "email", "json"]
                let help = closestMatch(to: id.name, in: builtIn + schema.enums.map(\.name)).map { "did you mean `\($0)`?" }
                    ?? "types are \(listOfNames(builtIn)), an enum of the schema, or a list of one of these, e.g. `[text]`"
                report(.error(.invalidParam, "unknown type `\(id.name)`", at: id.range, help: help))
                return nil
            }
        }
    }

    private func checkOncePer(_ c: OncePerClause) -> CheckedOncePer? {
        var relation: String?
        if c.entity.name != entity.name {
            guard let r = entity.relations.first(where: { $0.cardinality == .manyToOne && ($0.name == c.entity.name || $0.target == c.entity.name) }) else {
                let options = [entity.name] + entity.relations.filter { $0.cardinality == .manyToOne }.map(\.name)
                report(.error(.invalidOncePer, "`once per \(c.entity.name)`: `\(c.entity.name)` is not `\(entity.name)` nor reached from it",
                              at: c.entity.range, help: "use \(listOfNames(options))"))
                return nil
            }
            relation = r.name
        }
        var every: Int64?
        if let e = c.every {
            guard let d = durationLiteral(e) else { return nil }
            every = d
        }
        return CheckedOncePer(entity: c.entity.name, relation: relation, every: every)
    }

    private func checkLimit(_ c: LimitClause) -> CheckedLimit? {
        guard case .number(let text) = c.count.kind, let n = Int64(text), n > 0 else {
            report(.error(.invalidLimit, "`limit` needs a positive whole number", at: c.count.range, help: "write `limit 10 per 1 hour`"))
            return nil
        }
        guard let w = durationLiteral(c.window) else { return nil }
        return CheckedLimit(count: n, window: w)
    }

    /// A positive duration literal in microseconds.
    func durationLiteral(_ e: Expr) -> Int64? {
        guard case let .duration(amount, unit) = e.kind else {
            if !e.isError { report(.error(.invalidDuration, "expected a duration such as `1 hour`", at: e.range)) }
            return nil
        }
        guard let micros = durationMicros(amount: amount, unit: unit) else {
            report(invalidDuration(amount: amount, unit: unit, at: e.range))
            return nil
        }
        guard micros > 0 else {
            report(.error(.invalidDuration, "the duration `\(amount) \(unit.rawValue)` must be positive", at: e.range))
            return nil
        }
        return micros
    }

    // MARK: Triggers

    private mutating func checkTrigger(_ t: Trigger, scope: Scope) -> CheckedTrigger? {
        let wasOldAllowed = oldAllowed
        defer { oldAllowed = wasOldAllowed }
        switch t.kind {
        case .lifecycle(_, let event):
            switch event {
            case .created: return .created
            case .updated: return .updated
            case .deleted: return .deleted
            }
        case let .changes(fieldExpr, from, to):
            guard let field = directField(fieldExpr, what: "`changes`", code: .invalidChangesTarget) else { return nil }
            oldAllowed = false
            let type = ExprType(field.type)
            let f = from.flatMap { expression($0, scope: scope, expected: type) }
            let tt = to.flatMap { expression($0, scope: scope, expected: type) }
            for (e, typed) in [(from, f), (to, tt)] {
                if let e, let typed, !comparable(typed.type, type) {
                    report(.error(.typeMismatch, "`\(entity.name).\(field.name)` is \(type), but this is \(typed.type)", at: e.range))
                    return nil
                }
            }
            if (from != nil && f == nil) || (to != nil && tt == nil) { return nil }
            return .changes(field: field.name, from: f, to: tt)
        case let .meets(_, condition):
            oldAllowed = false
            guard let c = checkCondition(condition, scope: scope, what: "the `meets` condition") else { return nil }
            if let agg = aggregates(in: c).first {
                report(.warning(.relatedChangeNotWatched,
                                "`meets` is checked when a `\(entity.name)` row changes; changes of `\(agg.relatedEntity)` rows do not make it fire",
                                at: condition.range,
                                help: "for a count or sum that crosses a threshold, `reaches` watches the related rows: `count(\(entity.name).…) reaches N`"))
            } else if let read = relatedRead(in: c) {
                report(.warning(.relatedChangeNotWatched,
                                "`meets` is checked when a `\(entity.name)` row changes; changes of \(read) do not make it fire",
                                at: condition.range, help: "write the rule on the entity whose change should fire it"))
            }
            return .meets(c)
        case let .reaches(value, threshold):
            oldAllowed = false
            guard let v = expression(value, scope: scope, expected: nil), let th = expression(threshold, scope: scope, expected: nil) else { return nil }
            for (e, typed) in [(value, v), (threshold, th)] where !typed.type.isNumeric {
                report(.error(.invalidReaches, "`reaches` compares numbers, but this is \(typed.type)", at: e.range,
                              help: "use a numeric field or an aggregate such as `count(\(entity.name).…)`"))
                return nil
            }
            var related: [RelatedSource] = []
            for agg in aggregates(in: v) + aggregates(in: th) {
                guard agg.ownerBinding == entity.name, agg.ownerRelations.isEmpty else {
                    let at = aggregateSource(in: value) ?? aggregateSource(in: threshold) ?? value.range
                    report(.error(.invalidReaches, "an aggregate in `reaches` must run over a relation of `\(entity.name)` itself", at: at,
                                  help: "write the rule on `\(agg.ownerEntity)`: `count(\(agg.ownerEntity).…) reaches …`"))
                    return nil
                }
                let source = RelatedSource(entity: agg.relatedEntity, foreignKey: agg.foreignKey)
                if !related.contains(source) { related.append(source) }
            }
            if let read = relatedRead(in: v) ?? relatedRead(in: th) {
                report(.warning(.relatedChangeNotWatched,
                                "`reaches` is checked when a `\(entity.name)` row changes (or a row its aggregates count); changes of \(read) do not make it fire",
                                at: value.range,
                                help: "write the rule on the entity whose field crosses the threshold"))
            }
            return .reaches(value: v, threshold: th, relatedEntities: related)
        case let .timer(offset, direction, fieldExpr):
            guard let d = durationLiteral(offset) else { return nil }
            guard let field = directField(fieldExpr, what: "a timer", code: .invalidTimerField) else { return nil }
            guard field.type == .timestamp else {
                report(.error(.invalidTimerField, "`\(entity.name).\(field.name)` is \(field.type), not a timestamp", at: fieldExpr.range,
                              help: "timers run relative to a timestamp field; the timestamps of `\(entity.name)` are " + listOfNames(entity.fields.filter { $0.type == .timestamp }.map(\.name), conjunction: "and")))
                return nil
            }
            return .timer(field: field.name, offset: direction == .before ? -d : d)
        }
    }

    /// `entity.field` where field is a column of the rule's entity.
    private func directField(_ e: Expr, what: String, code: DiagnosticCode) -> Field? {
        guard let path = e.path, path.count >= 2, path[0].name == entity.name else {
            report(.error(code, "\(what) needs a field of `\(entity.name)`, such as `\(entity.name).\(entity.fields.first?.name ?? "id")`", at: e.range))
            return nil
        }
        if path.count > 2 {
            if entity.field(named: path[1].name) != nil {
                report(.error(.unknownField, "`\(path[1].name)` is a field of `\(entity.name)`, not a relation", at: path[2].range,
                              help: "a field has no fields of its own"))
                return nil
            }
            // The entity the watched row belongs to, following the relations as far as they go.
            var owner = entity!
            for step in path.dropFirst().dropLast() {
                guard let rel = owner.relation(named: step.name), let next = schema.entity(named: rel.target) else { break }
                owner = next
            }
            report(.error(code, "\(what) watches a field of `\(entity.name)` itself, not of a related row", at: e.range,
                          help: "write a rule on `\(owner.name)` instead"))
            return nil
        }
        guard let f = entity.field(named: path[1].name) else {
            if entity.relation(named: path[1].name) != nil {
                report(.error(code, "`\(entity.name).\(path[1].name)` is a relation; \(what) needs a field", at: path[1].range))
            } else {
                report(.error(.unknownField, "`\(entity.name)` has no field `\(path[1].name)`", at: path[1].range,
                              help: checker.suggestion(for: path[1].name, among: entity.fields.map(\.name), kind: "its fields")))
            }
            return nil
        }
        return f
    }

    func aggregates(in e: TypedExpr) -> [TypedAggregate] {
        var out: [TypedAggregate] = []
        func walk(_ e: TypedExpr) {
            switch e.kind {
            case .aggregate(let a): out.append(a)
            case .call(_, let args), .list(let args): args.forEach(walk)
            case .not(let x), .negate(let x), .isNull(let x, _), .isEmpty(let x, _): walk(x)
            case .binary(_, let l, let r), .membership(let l, _, let r): walk(l); walk(r)
            case .template(let parts): for case .value(let x) in parts { walk(x) }
            case .literal, .param, .now, .field, .old: break
            }
        }
        walk(e)
        return out
    }

    /// What a field read through a many-to-one relation reads (`the `workspace` row`), outside
    /// aggregates; nil when the expression reads only the rule's own row.
    func relatedRead(in e: TypedExpr) -> String? {
        switch e.kind {
        case let .field(binding, relations, _) where binding == entity.name && !relations.isEmpty:
            var current: Entity = entity
            for name in relations {
                guard let rel = current.relation(named: name), let next = schema.entity(named: rel.target) else { return nil }
                current = next
            }
            return "the `\(current.name)` row (`\(([binding] + relations).joined(separator: "."))`)"
        case .call(_, let args), .list(let args): return args.lazy.compactMap(relatedRead).first
        case .not(let x), .negate(let x), .isNull(let x, _), .isEmpty(let x, _): return relatedRead(in: x)
        case .binary(_, let l, let r), .membership(let l, _, let r): return relatedRead(in: l) ?? relatedRead(in: r)
        case .template(let parts):
            for case .value(let x) in parts { if let r = relatedRead(in: x) { return r } }
            return nil
        case .aggregate, .literal, .param, .now, .field, .old: return nil
        }
    }

    /// The range of the first aggregate source that goes through a relation (`message.contact.messages`).
    private func aggregateSource(in e: Expr) -> SourceRange? {
        switch e.kind {
        case .aggregate(let a): return (a.source.path?.count ?? 0) > 2 ? a.source.range : nil
        case .binary(_, let l, let r): return aggregateSource(in: l) ?? aggregateSource(in: r)
        case .unary(_, let x): return aggregateSource(in: x)
        case .call(_, let args): return args.lazy.compactMap(aggregateSource).first
        default: return nil
        }
    }

    /// A condition: boolean, else reported.
    func checkCondition(_ e: Expr, scope: Scope, what: String) -> TypedExpr? {
        guard let c = expression(e, scope: scope, expected: .bool) else { return nil }
        guard c.type == .bool || c.type == .null else {
            report(.error(.conditionNotBool, "\(what) must be true or false, but this is \(c.type)", at: e.range,
                          help: "compare it: `… = value`, `… is not null`"))
            return nil
        }
        return c
    }

    /// Paths that the condition guarantees non-null (`x is not null and …`), to quiet R3018.
    func nonNullPaths(_ c: TypedExpr) -> Set<String> {
        switch c.kind {
        case .binary(.and, let l, let r): return nonNullPaths(l).union(nonNullPaths(r))
        case .isNull(let x, negated: true): return [pathKey(x)].compactMap { $0 }.reduce(into: []) { $0.insert($1) }
        default: return []
        }
    }

    func pathKey(_ e: TypedExpr) -> String? {
        if case let .field(binding, relations, field) = e.kind { return ([binding] + relations + [field]).joined(separator: ".") }
        return nil
    }
}

/// Names bound in an expression: the rule's entity and aggregate rows, each to its entity.
struct Scope {
    var bindings: [String: String]
}

extension ExprType {
    /// The type of a schema column.
    public init(_ f: FieldType) {
        switch f {
        case .text: self = .text
        case .int: self = .int
        case .decimal: self = .decimal
        case .bool: self = .bool
        case .timestamp: self = .timestamp
        case .duration: self = .duration
        case .uuid: self = .uuid
        case .phone: self = .phone
        case .email: self = .email
        case .json: self = .json
        case .enumeration(let n): self = .enumeration(n)
        case .list(let t): self = .list(ExprType(t))
        }
    }
}

/// `amount unit` in microseconds, nil if not exact or out of range.
/// Why `durationMicros` refused a duration: beyond 64-bit microseconds, or finer than one.
func invalidDuration(amount: String, unit: DurationUnit, at range: SourceRange) -> Diagnostic {
    let micros = (Decimal(string: amount, locale: Locale(identifier: "en_US_POSIX")) ?? 0) * Decimal(unit.seconds) * 1_000_000
    if micros >= Decimal(Int64.max) {
        return .error(.invalidDuration, "the duration `\(amount) \(unit.rawValue)` is too large", at: range,
                      help: "durations go up to about 15,250,000 weeks (292,000 years)")
    }
    return .error(.invalidDuration, "the duration `\(amount) \(unit.rawValue)` is not exact to the microsecond", at: range)
}

func durationMicros(amount: String, unit: DurationUnit) -> Int64? {
    guard let d = Decimal(string: amount, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
    let micros = d * Decimal(unit.seconds) * Decimal(1_000_000)
    var rounded = Decimal()
    var m = micros
    NSDecimalRound(&rounded, &m, 0, .plain)
    guard rounded == micros, rounded < Decimal(Int64.max) else { return nil }
    return NSDecimalNumber(decimal: rounded).int64Value
}
