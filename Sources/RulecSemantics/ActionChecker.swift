import RulecDiagnostics
import RulecSchema
import RulecSyntax

extension RuleChecker {
    func checkAction(_ a: Action, scope: Scope, guarded: Set<String>) -> CheckedAction? {
        switch a.kind {
        case let .external(name, arguments, delay):
            return checkExternal(name: name, arguments: arguments, delay: delay, range: a.range, scope: scope, guarded: guarded)
        case let .create(entityName, fields):
            return checkCreate(entityName, fields, range: a.range, scope: scope, guarded: guarded)
        case let .update(target, assignments):
            return checkUpdate(target, assignments, range: a.range, scope: scope, guarded: guarded)
        }
    }

    private func checkExternal(name: Identifier, arguments: [Argument], delay: Expr?, range: SourceRange,
                               scope: Scope, guarded: Set<String>) -> CheckedAction? {
        guard let spec = schema.action(named: name.name) else {
            var help = checker.suggestion(for: name.name, among: schema.actions.map(\.name), kind: "actions")
            if schema.entity(named: name.name) != nil { help = "to change data write `create \(name.name) with …` or `update \(name.name) set …`" }
            else if schema.actions.isEmpty { help = "the schema declares no actions: add an `actions:` section to it (docs/schema.md), e.g. `\(name.name): {params: {…}}`" }
            report(.error(.unknownAction, "unknown action `\(name.name)`", at: name.range, help: help))
            return nil
        }
        var given: [String: TypedExpr] = [:]
        var seen: [String: Identifier] = [:]
        // Parameters that an unknown argument probably meant (`bdy` for `body`): not reported missing too.
        var misspelled = Set<String>()
        var failed = false
        for arg in arguments {
            if let first = seen[arg.key.name] {
                report(.error(.duplicateArgument, "`\(arg.key.name)` is given twice", at: arg.key.range,
                              labels: [DiagnosticLabel(first.range, "first given here")]))
                failed = true
                continue
            }
            seen[arg.key.name] = arg.key
            guard let param = spec.parameter(named: arg.key.name) else {
                closestMatch(to: arg.key.name, in: spec.parameters.map(\.name)).map { _ = misspelled.insert($0) }
                report(.error(.unknownArgument, "`\(spec.name)` has no parameter `\(arg.key.name)`", at: arg.key.range,
                              help: checker.suggestion(for: arg.key.name, among: spec.parameters.map(\.name), kind: "its parameters")
                                ?? "its parameters are \(listOfNames(spec.parameters.map(\.name), conjunction: "and"))"))
                failed = true
                continue
            }
            let type = ExprType(param.type)
            guard let value = expression(arg.value, scope: scope, expected: type) else { failed = true; continue }
            guard isAssignable(value, to: type) else {
                var help: String?
                if type == .phone || type == .email { help = "`\(arg.key.name)` needs \(type == .phone ? "a phone number" : "an email address"): use \(type == .phone ? "a" : "an") \(type) field such as `\(example(of: type))`" }
                if type == .text { help = "to show a value as text, write it in a template: \"{\(sourceText(value))}\"" }
                report(.error(.argumentType, "`\(spec.name)` expects \(type) for `\(arg.key.name)`, but this is \(value.type)", at: arg.value.range, help: help))
                failed = true
                continue
            }
            if !param.optional, value.nullable, !(pathKey(value).map(guarded.contains) ?? false) {
                let fallback = type == .phone || type == .email ? "`coalesce` with another \(type) field" : "`coalesce`"
                report(.warning(.nullableArgument, "`\(arg.key.name)` may be null; the job is then recorded as `skipped`", at: arg.value.range,
                                help: "add `if \(sourceText(value)) is not null` to the rule, or use \(fallback)"))
            }
            given[param.name] = value
        }
        let missing = spec.parameters.filter { !$0.optional && seen[$0.name] == nil && !misspelled.contains($0.name) }
        if !missing.isEmpty {
            report(.error(.missingArgument, "`\(spec.name)` needs \(listOfNames(missing.map(\.name), conjunction: "and"))", at: name.range,
                          help: "add " + missing.map { "`\($0.name): …`" }.joined(separator: ", ")))
            failed = true
        }
        var delayMicros: Int64?
        if let d = delay {
            guard let micros = durationLiteral(d) else { return nil }
            delayMicros = micros
        }
        if failed { return nil }
        let ordered = spec.parameters.compactMap { p in given[p.name].map { (name: p.name, value: $0) } }
        return .external(name: spec.name, arguments: ordered, delay: delayMicros, range: range)
    }

    private func example(of type: ExprType) -> String {
        for e in [entity!] + schema.entities {
            if let f = e.fields.first(where: { ExprType($0.type) == type }) { return "\(e.name).\(f.name)" }
        }
        return "contact.phone"
    }

    func sourceText(_ e: TypedExpr) -> String { checker.sources[e.range.file].text(of: e.range) }

    private func checkCreate(_ name: Identifier, _ fields: [Argument], range: SourceRange, scope: Scope, guarded: Set<String>) -> CheckedAction? {
        guard let target = lookupEntity(name) else { return nil }
        var out: [(name: String, value: TypedExpr)] = []
        var seen: [String: Identifier] = [:]
        var failed = false
        for arg in fields {
            guard let value = assignment(arg, in: target, seen: &seen, scope: scope, guarded: guarded, allowKey: true) else { failed = true; continue }
            if arg.key.name == target.tenantKey, let own = entity.tenantKey, !isFiringTenant(value) {
                // LANGUAGE.md §7: nothing one workspace does produces a job of another; a row
                // created in another workspace would fire that workspace's rules.
                report(.error(.crossTenantWrite, "`create \(target.name)` must stay in the workspace of the `\(entity.name)` that fired the rule",
                              at: arg.value.range,
                              help: "write `\(arg.key.name): \(entity.name).\(own)`, or leave `\(arg.key.name)` out: it is copied from the `\(entity.name)`"))
                failed = true
                continue
            }
            out.append((arg.key.name, value))
        }
        if let tenant = target.tenantKey, seen[tenant] == nil {
            if let own = entity.tenantKey {
                // The new row belongs to the workspace of the row that fired the rule.
                let f = entity.field(named: own)
                out.append((tenant, TypedExpr(.field(binding: entity.name, relations: [], field: own), f.map { ExprType($0.type) } ?? .text, name.range, nullable: false)))
                seen[tenant] = name
            }
        }
        let missing = target.fields.filter { !$0.nullable && !$0.hasDefault && seen[$0.name] == nil }
        if !missing.isEmpty {
            var help = "add " + missing.map { "`\($0.name): …`" }.joined(separator: ", ")
            if let tenant = target.tenantKey, missing.contains(where: { $0.name == tenant }), entity.tenantKey == nil {
                help += "; a `\(entity.name)` row belongs to no tenant, so `\(tenant)` cannot be copied from it"
            }
            report(.error(.missingColumn, "`create \(target.name)` must set \(listOfNames(missing.map(\.name), conjunction: "and"))", at: name.range,
                          help: help))
            failed = true
        }
        for f in target.fields where seen[f.name] == nil {
            guard case .sql(let expression)? = f.defaultValue else { continue }
            report(.warning(.sqlDefaultInDryRun,
                            "`create \(target.name)` leaves `\(f.name)` to its SQL default `\(expression)`, which dry runs cannot evaluate",
                            at: name.range,
                            help: "`rulec test` and `rulec run` leave it null; the database applies the default. Set `\(f.name): …` to test it"))
        }
        return failed ? nil : .create(entity: target.name, fields: out, range: range)
    }

    private func checkUpdate(_ targetExpr: Expr, _ assignments: [Argument], range: SourceRange, scope: Scope, guarded: Set<String>) -> CheckedAction? {
        guard let path = targetExpr.path else { return nil }
        guard path[0].name == entity.name else {
            report(.error(.invalidUpdateTarget, "`update` changes `\(entity.name)` or a row reached from it, not `\(path[0].name)`", at: path[0].range,
                          help: "write `update \(entity.name) set …` or `update \(entity.name).RELATION set …`"))
            return nil
        }
        var current = entity!
        var relations: [String] = []
        for step in path.dropFirst() {
            guard let rel = current.relation(named: step.name), rel.cardinality == .manyToOne else {
                let m2o = current.relations.filter { $0.cardinality == .manyToOne }.map(\.name)
                report(.error(.invalidUpdateTarget, "`\(step.name)` is not a many-to-one relation of `\(current.name)`", at: step.range,
                              help: m2o.isEmpty ? "only `\(current.name)` itself can be updated" : "relations that lead to one row: \(listOfNames(m2o))"))
                return nil
            }
            relations.append(rel.name)
            current = schema.entity(named: rel.target)!
        }
        var out: [(name: String, value: TypedExpr)] = []
        var seen: [String: Identifier] = [:]
        var failed = false
        for arg in assignments {
            guard let value = assignment(arg, in: current, seen: &seen, scope: scope, guarded: guarded, allowKey: false) else { failed = true; continue }
            out.append((arg.key.name, value))
        }
        return failed ? nil : .update(entity: current.name, relations: relations, assignments: out, range: range)
    }

    /// True when `value` is the tenant of the row that fired the rule: its own tenant key, or the
    /// tenant key of a row reached from it through many-to-one relations (which stay in its
    /// workspace on both backends).
    private func isFiringTenant(_ value: TypedExpr) -> Bool {
        guard case let .field(binding, relations, field) = value.kind, binding == entity.name else { return false }
        var current: Entity = entity
        for name in relations {
            guard let rel = current.relation(named: name), let next = schema.entity(named: rel.target) else { return false }
            current = next
        }
        return field == current.tenantKey
    }

    /// `field: value` of `create` or `field = value` of `update`, typed against the column.
    private func assignment(_ arg: Argument, in target: Entity, seen: inout [String: Identifier], scope: Scope, guarded: Set<String>,
                            allowKey: Bool) -> TypedExpr? {
        if let first = seen[arg.key.name] {
            report(.error(.duplicateArgument, "`\(arg.key.name)` is set twice", at: arg.key.range, labels: [DiagnosticLabel(first.range, "first set here")]))
            return nil
        }
        seen[arg.key.name] = arg.key
        guard let field = target.field(named: arg.key.name) else {
            if let rel = target.relation(named: arg.key.name) {
                report(.error(.fieldNotAssignable, "`\(arg.key.name)` is a relation; set its foreign key `\(rel.foreignKey)`", at: arg.key.range))
            } else {
                report(.error(.unknownField, "`\(target.name)` has no field `\(arg.key.name)`", at: arg.key.range,
                              help: checker.suggestion(for: arg.key.name, among: target.fields.map(\.name), kind: "its fields")))
            }
            return nil
        }
        if !allowKey && (field.name == target.key || field.name == target.tenantKey) {
            report(.error(.fieldNotAssignable, "`\(target.name).\(field.name)` cannot be changed by `update`", at: arg.key.range,
                          help: "keys and tenant keys identify the row; create a new row instead"))
            return nil
        }
        let type = ExprType(field.type)
        guard let value = expression(arg.value, scope: scope, expected: type) else { return nil }
        guard isAssignable(value, to: type) else {
            report(.error(.typeMismatch, "`\(target.name).\(field.name)` is \(type), but this is \(value.type)", at: arg.value.range))
            return nil
        }
        if !field.nullable && value.type == .null {
            report(.error(.typeMismatch, "`\(target.name).\(field.name)` cannot be null", at: arg.value.range))
            return nil
        }
        if !field.nullable, value.nullable, !(pathKey(value).map(guarded.contains) ?? false) {
            report(.warning(.nullableColumnValue, "`\(target.name).\(field.name)` does not allow null, but this may be null", at: arg.value.range,
                            help: "add `if \(sourceText(value)) is not null` to the rule, or use `coalesce`"))
        }
        return value
    }
}
