import Foundation
import RulecDiagnostics
import RulecSchema
import RulecSyntax

extension RuleChecker {
    /// Types an expression. `expected` resolves bare enum values (`status = customer`) and
    /// literal coercions; it is a hint, not a check: callers compare the result's type.
    /// Returns nil after reporting an error.
    func expression(_ e: Expr, scope: Scope, expected: ExprType?) -> TypedExpr? {
        let r = e.range
        switch e.kind {
        case .error:
            return nil
        case .number(let text):
            if text.contains(".") {
                guard DecimalDigits.fits(text), let d = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
                    report(.error(.typeMismatch, "the number `\(text)` has more digits than a decimal holds", at: r,
                                  help: "decimals are exact to \(DecimalDigits.limit) significant digits"))
                    return nil
                }
                return TypedExpr(.literal(.decimal(d)), .decimal, r, nullable: false)
            }
            guard let n = Int64(text) else {
                report(.error(.typeMismatch, "the number `\(text)` is too large", at: r, help: "integers range from -9223372036854775808 to 9223372036854775807"))
                return nil
            }
            return TypedExpr(.literal(.int(n)), .int, r, nullable: false)
        case .string(let parts):
            if parts.allSatisfy({ if case .text = $0 { return true }; return false }) {
                let s = parts.map { if case .text(let t) = $0 { return t }; return "" }.joined()
                if case .enumeration(let name)? = expected, let en = schema.enumType(named: name) {
                    guard en.values.contains(s) else {
                        report(.error(.invalidEnumValue, "\"\(s)\" is not a value of `\(name)`", at: r,
                                      help: "valid values are \(listOfNames(en.values))"))
                        return nil
                    }
                    return TypedExpr(.literal(.text(s)), .enumeration(name), r, nullable: false)
                }
                return TypedExpr(.literal(.text(s)), .text, r, nullable: false)
            }
            var typed: [TypedTemplatePart] = []
            var failed = false
            for p in parts {
                switch p {
                case .text(let t): typed.append(.text(t))
                case .interpolation(let x):
                    // Every part is checked, so that each mistake of a template is reported at once.
                    guard let tx = expression(x, scope: scope, expected: nil) else { failed = true; continue }
                    typed.append(.value(tx))
                }
            }
            return failed ? nil : TypedExpr(.template(typed), .text, r, nullable: false)
        case .bool(let b): return TypedExpr(.literal(.bool(b)), .bool, r, nullable: false)
        case .null: return TypedExpr(.literal(.null), .null, r, nullable: true)
        case .now: return TypedExpr(.now, .timestamp, r, nullable: false)
        case let .duration(amount, unit):
            guard let micros = durationMicros(amount: amount, unit: unit) else {
                report(invalidDuration(amount: amount, unit: unit, at: r))
                return nil
            }
            return TypedExpr(.literal(.duration(micros)), .duration, r, nullable: false)
        case .list(let items):
            var elementExpected: ExprType?
            if case .list(let t)? = expected { elementExpected = t }
            var typed: [TypedExpr] = []
            for item in items {
                guard let t = expression(item, scope: scope, expected: elementExpected) else { return nil }
                typed.append(t)
            }
            // The items decide the element type; the expected one only resolves bare enum values, so
            // `score in ["a", "b"]` is reported as a list of text that cannot hold an int.
            let types = typed.map(\.type).filter { $0 != .null }
            var element = types.first ?? elementExpected ?? .null
            if types.contains(.decimal) && types.allSatisfy(\.isNumeric) { element = .decimal }
            for (item, t) in zip(items, typed) where !isAssignable(t, to: element) {
                report(.error(.typeMismatch, "list items must have one type: this is \(t.type), the list holds \(element)", at: item.range))
                return nil
            }
            return TypedExpr(.list(typed), .list(element), r, nullable: false)
        case .name(let name):
            return resolveName(Identifier(name, r), scope: scope, expected: expected)
        case .member:
            return resolvePath(e, scope: scope)
        case let .call(name, args):
            return call(name, args, range: r, scope: scope, expected: expected)
        case .aggregate(let a):
            return aggregate(a, range: r, scope: scope)
        case let .unary(op, x):
            // The smallest int is written `-9223372036854775808`: its digits alone are one too large.
            if op == .negate, case .number(let text) = x.kind, text == "9223372036854775808" {
                return TypedExpr(.literal(.int(.min)), .int, r, nullable: false)
            }
            guard let tx = expression(x, scope: scope, expected: op == .not ? .bool : expected) else { return nil }
            switch op {
            case .not:
                guard tx.type == .bool || tx.type == .null else {
                    report(.error(.typeMismatch, "`not` needs a condition, but this is \(tx.type)", at: x.range))
                    return nil
                }
                return TypedExpr(.not(tx), .bool, r, nullable: tx.nullable)
            case .negate:
                guard tx.type.isNumeric || tx.type == .duration else {
                    report(.error(.typeMismatch, "`-` needs a number or a duration, but this is \(tx.type)", at: x.range))
                    return nil
                }
                return TypedExpr(.negate(tx), tx.type, r, nullable: tx.nullable)
            }
        case let .binary(op, l, rhs):
            return binary(op, l, rhs, range: r, scope: scope)
        case let .membership(l, negated, rhs):
            guard let tl = expression(l, scope: scope, expected: nil) else { return nil }
            guard let tr = expression(rhs, scope: scope, expected: .list(tl.type)) else { return nil }
            guard case .list(let element) = tr.type else {
                report(.error(.typeMismatch, "`in` needs a list on its right, such as `[lead, prospect]`, but this is \(tr.type)", at: rhs.range))
                return nil
            }
            guard comparable(tl.type, element) else {
                report(.error(.typeMismatch, "cannot look for \(tl.type) in a list of \(element)", at: r))
                return nil
            }
            return TypedExpr(.membership(tl, negated: negated, tr), .bool, r, nullable: tl.nullable || tr.nullable)
        case let .isNull(x, negated):
            guard let tx = expression(x, scope: scope, expected: nil) else { return nil }
            return TypedExpr(.isNull(tx, negated: negated), .bool, r, nullable: false)
        case let .isEmpty(x, negated):
            guard let tx = expression(x, scope: scope, expected: nil) else { return nil }
            guard tx.type.isTextual || isList(tx.type) else {
                report(.error(.typeMismatch, "`is empty` applies to text and lists, but this is \(tx.type)", at: x.range,
                              help: "for missing values write `is null`"))
                return nil
            }
            return TypedExpr(.isEmpty(tx, negated: negated), .bool, r, nullable: tx.nullable)
        }
    }

    func isList(_ t: ExprType) -> Bool { if case .list = t { return true }; return false }

    // MARK: Names and paths

    /// A bare name: a param, an enum value (where an enum is expected), or an error.
    func resolveName(_ id: Identifier, scope: Scope, expected: ExprType?) -> TypedExpr? {
        // Where an enum is expected, its values come first (LANGUAGE.md §5): a text param named
        // `lead` does not hide `contact.status = lead`; a param of that enum type still resolves.
        var isValueOfExpectedEnum = false
        if case .enumeration(let enumName)? = expected, let en = schema.enumType(named: enumName) {
            isValueOfExpectedEnum = en.values.contains(id.name)
        }
        if let p = params[id.name], p.type == expected || !isValueOfExpectedEnum {
            return TypedExpr(.param(p.name), p.type, id.range, nullable: false)
        }
        if case .enumeration(let enumName)? = expected, let en = schema.enumType(named: enumName) {
            if en.values.contains(id.name) {
                return TypedExpr(.literal(.text(id.name)), .enumeration(enumName), id.range, nullable: false)
            }
            let help = closestMatch(to: id.name, in: en.values).map { "did you mean `\($0)`? " } ?? ""
            report(.error(.invalidEnumValue, "`\(id.name)` is not a value of `\(enumName)`", at: id.range,
                          help: help + "valid values are \(listOfNames(en.values))"))
            return nil
        }
        if case .list(.enumeration(let enumName))? = expected, schema.enumType(named: enumName) != nil {
            return resolveName(id, scope: scope, expected: .enumeration(enumName))
        }
        if let bound = scope.bindings[id.name] {
            let key = schema.entity(named: bound)?.key ?? "id"
            report(.error(.relationAsValue, "`\(id.name)` is a row, not a value", at: id.range,
                          help: "name one of its fields, e.g. `\(id.name).\(key)`"))
            return nil
        }
        if schema.entity(named: id.name) != nil {
            report(.error(.unknownName, "`\(id.name)` is not bound in rule `\(rule.name.name)`", at: id.range,
                          help: unboundEntityHelp(id.name)))
            return nil
        }
        // A field written without its row: `status` for `contact.status`.
        let owners = scope.bindings.sorted { $0.key < $1.key }.filter { schema.entity(named: $0.value)?.field(named: id.name) != nil }
        if !owners.isEmpty {
            report(.error(.unknownName, "unknown name `\(id.name)`", at: id.range,
                          help: "fields are qualified by their row: did you mean \(listOfNames(owners.map { "\($0.key).\(id.name)" }))?"))
            return nil
        }
        let candidates = Array(params.keys) + scope.bindings.keys.filter { $0 != entity.name }
        var help = closestMatch(to: id.name, in: candidates).map { "did you mean `\($0)`?" }
        if expected == nil || expected?.isTextual == true {
            help = (help.map { $0 + " " } ?? "") + "text values are written in quotes: \"\(id.name)\""
        }
        report(.error(.unknownName, "unknown name `\(id.name)`", at: id.range, help: help))
        return nil
    }

    /// `binding.relation….field`: follows many-to-one relations to a field.
    func resolvePath(_ e: Expr, scope: Scope) -> TypedExpr? {
        guard let path = e.path else {
            // A member of a non-path, e.g. `(x).y`.
            report(.error(.typeMismatch, "only rows have fields", at: e.range))
            return nil
        }
        let root = path[0]
        guard let entityName = scope.bindings[root.name] else {
            if path.count >= 1, params[root.name] != nil {
                report(.error(.typeMismatch, "param `\(root.name)` has no fields", at: path[1].range))
                return nil
            }
            if schema.entity(named: root.name) != nil {
                report(.error(.unknownName, "`\(root.name)` is not bound in rule `\(rule.name.name)`", at: root.range,
                              help: unboundEntityHelp(root.name)))
            } else {
                report(.error(.unknownEntity, "unknown entity `\(root.name)`", at: root.range,
                              help: checker.suggestion(for: root.name, among: Array(scope.bindings.keys) + schema.entities.map(\.name), kind: "entities")))
            }
            return nil
        }
        var current = schema.entity(named: entityName)!
        var relations: [String] = []
        var nullable = false
        for (i, step) in path.enumerated().dropFirst() {
            let isLast = i == path.count - 1
            if let f = current.field(named: step.name) {
                guard isLast else {
                    report(.error(.unknownField, "`\(step.name)` is a field of `\(current.name)`, not a relation", at: path[i + 1].range,
                                  help: "a field has no fields of its own"))
                    return nil
                }
                return TypedExpr(.field(binding: root.name, relations: relations, field: f.name), ExprType(f.type), e.range,
                                 nullable: nullable || f.nullable)
            }
            if let rel = current.relation(named: step.name) {
                guard rel.cardinality == .manyToOne else {
                    report(.error(.relationAsValue, "`\(current.name).\(rel.name)` holds many rows", at: step.range,
                                  help: "aggregate it: `count(\(path[0..<i].map(\.name).joined(separator: ".")).\(rel.name))` or `exists(…)`"))
                    return nil
                }
                guard !isLast else {
                    let prefix = path[0..<i].map(\.name).joined(separator: ".")
                    report(.error(.relationAsValue, "`\(prefix).\(rel.name)` is a row, not a value", at: step.range,
                                  help: "name one of its fields, e.g. `\(prefix).\(rel.name).\(schema.entity(named: rel.target)?.key ?? "id")`, or use the foreign key `\(prefix).\(rel.foreignKey)`"))
                    return nil
                }
                relations.append(rel.name)
                nullable = true
                current = schema.entity(named: rel.target)!
                continue
            }
            report(.error(.unknownField, "`\(current.name)` has no field `\(step.name)`", at: step.range,
                          help: checker.suggestion(for: step.name, among: current.fields.map(\.name) + current.relations.map(\.name), kind: "its fields")
                            ?? "the fields of `\(current.name)` are \(listOfNames(current.fields.map(\.name), conjunction: "and"))"))
            return nil
        }
        report(.error(.relationAsValue, "`\(root.name)` is a row, not a value", at: root.range))
        return nil
    }

    // MARK: Calls and aggregates

    func call(_ name: Identifier, _ args: [Expr], range r: SourceRange, scope: Scope, expected: ExprType?) -> TypedExpr? {
        if name.name == "old" {
            guard args.count == 1 else {
                report(.error(.unknownFunction, "`old` takes one field", at: r, help: "write `old(\(entity.name).status)`"))
                return nil
            }
            guard oldAllowed else {
                report(.error(.oldOutsideUpdate, "`old(…)` needs a previous row, but not every trigger of rule `\(rule.name.name)` is `updated` or `changes`",
                              at: r, help: "use `old` only in rules whose triggers are all `updated` or `… changes`"))
                return nil
            }
            guard let path = args[0].path, path.count == 2, path[0].name == entity.name else {
                // Only the changed row has a previous version; a related row's field is read as it is now.
                let help = args[0].path.flatMap { $0.count > 2 && $0[0].name == entity.name ? $0 : nil }.map { p in
                    "only the changed `\(entity.name)` row has a previous value; to watch `\(p[p.count - 2].name).\(p[p.count - 1].name)`, write a rule on that entity"
                } ?? "write `old(\(entity.name).FIELD)`"
                report(.error(.oldOutsideUpdate, "`old` takes a field of `\(entity.name)` itself", at: args[0].range, help: help))
                return nil
            }
            guard let f = entity.field(named: path[1].name) else {
                _ = resolvePath(args[0], scope: scope)
                return nil
            }
            return TypedExpr(.old(field: f.name), ExprType(f.type), r, nullable: f.nullable)
        }
        guard let fn = Function(rawValue: name.name) else {
            report(.error(.unknownFunction, "unknown function `\(name.name)`", at: name.range,
                          help: checker.suggestion(for: name.name, among: Function.allCases.map(\.rawValue) + ["old"], kind: "functions")))
            return nil
        }
        var typed: [TypedExpr] = []
        for a in args {
            guard let t = expression(a, scope: scope, expected: fn == .coalesce ? expected : nil) else { return nil }
            typed.append(t)
        }
        switch fn {
        case .coalesce:
            guard typed.count >= 2 else {
                report(.error(.unknownFunction, "`coalesce` takes two or more values", at: r)); return nil
            }
            var result = typed.first { $0.type != .null }?.type ?? .null
            for t in typed where t.type != .null {
                if t.type == .decimal && result == .int { result = .decimal }
                if t.type.isTextual && result.isTextual && t.type != result { result = .text }
            }
            for (a, t) in zip(args, typed) where !isAssignable(t, to: result) {
                report(.error(.typeMismatch, "`coalesce` values must have one type: this is \(t.type), expected \(result)", at: a.range))
                return nil
            }
            return TypedExpr(.call(fn, typed), result, r, nullable: typed.allSatisfy(\.nullable))
        case .lower, .upper, .length:
            guard typed.count == 1 else {
                report(.error(.unknownFunction, "`\(fn.rawValue)` takes one value", at: r)); return nil
            }
            let ok = typed[0].type.isTextual || typed[0].type == .null || (fn == .length && isList(typed[0].type)) || (fn != .length && isEnum(typed[0].type))
            guard ok else {
                report(.error(.typeMismatch, "`\(fn.rawValue)` needs text\(fn == .length ? " or a list" : ""), but this is \(typed[0].type)", at: args[0].range))
                return nil
            }
            return TypedExpr(.call(fn, typed), fn == .length ? .int : .text, r, nullable: typed[0].nullable)
        }
    }

    func isEnum(_ t: ExprType) -> Bool { if case .enumeration = t { return true }; return false }

    func aggregate(_ a: Aggregate, range r: SourceRange, scope: Scope) -> TypedExpr? {
        guard let path = a.source.path, path.count >= 2 else {
            report(.error(.invalidAggregate, "`\(a.function.rawValue)` runs over a relation such as `\(entity.name).…`", at: a.source.range))
            return nil
        }
        guard let rootEntity = scope.bindings[path[0].name] else {
            _ = resolvePath(a.source, scope: scope)
            return nil
        }
        var current = schema.entity(named: rootEntity)!
        var relations: [String] = []
        var index = 1
        // Many-to-one steps, then exactly one one-to-many relation, then (sum/min/max) a field.
        while index < path.count, let rel = current.relation(named: path[index].name), rel.cardinality == .manyToOne {
            relations.append(rel.name)
            current = schema.entity(named: rel.target)!
            index += 1
        }
        guard index < path.count, let many = current.relation(named: path[index].name), many.cardinality == .oneToMany else {
            if index == path.count {
                // Only many-to-one steps: `exists(message.contact)` names one row.
                let manyNames = current.relations.filter { $0.cardinality == .oneToMany }.map(\.name)
                report(.error(.invalidAggregate, "`\(path.map(\.name).joined(separator: "."))` is a single row; `\(a.function.rawValue)` runs over a one-to-many relation",
                              at: a.source.range, help: manyNames.isEmpty ? nil : "relations of `\(current.name)` with many rows: \(listOfNames(manyNames, conjunction: "and"))"))
                return nil
            }
            let step = index < path.count ? path[index] : path[path.count - 1]
            let manyNames = current.relations.filter { $0.cardinality == .oneToMany }.map(\.name)
            if index < path.count, current.field(named: step.name) != nil || current.relation(named: step.name) != nil {
                report(.error(.invalidAggregate, "`\(current.name).\(step.name)` is a single value; `\(a.function.rawValue)` runs over a one-to-many relation",
                              at: step.range, help: manyNames.isEmpty ? nil : "relations of `\(current.name)` with many rows: \(listOfNames(manyNames, conjunction: "and"))"))
            } else {
                report(.error(.unknownField, "`\(current.name)` has no relation `\(step.name)`", at: step.range,
                              help: checker.suggestion(for: step.name, among: manyNames, kind: "its one-to-many relations")))
            }
            return nil
        }
        let owner = current
        let related = schema.entity(named: many.target)!
        index += 1
        var field: Field?
        switch a.function {
        case .count, .exists:
            if index < path.count {
                report(.error(.invalidAggregate, "`\(a.function.rawValue)` counts rows; it takes no field", at: path[index].range,
                              help: "write `\(a.function.rawValue)(\(path[0..<index].map(\.name).joined(separator: ".")) where …)`"))
                return nil
            }
        case .sum, .min, .max:
            guard index == path.count - 1, let f = related.field(named: path[index].name) else {
                let at = index < path.count ? path[index].range : a.source.range
                let fields = related.fields.filter { ExprType($0.type).isNumeric || (a.function != .sum && $0.type == .timestamp) }.map(\.name)
                report(.error(.invalidAggregate, "`\(a.function.rawValue)` needs a field of `\(related.name)`", at: at,
                              help: "write `\(a.function.rawValue)(\(path[0..<index].map(\.name).joined(separator: ".")).FIELD)`" + (fields.isEmpty ? "" : "; fields that fit: \(listOfNames(fields, conjunction: "and"))")))
                return nil
            }
            let ok = a.function == .sum ? ExprType(f.type).isNumeric : (ExprType(f.type).isNumeric || f.type == .timestamp || f.type == .duration)
            guard ok else {
                report(.error(.typeMismatch, "`\(a.function.rawValue)` needs a \(a.function == .sum ? "numeric" : "numeric or timestamp") field, but `\(f.name)` is \(f.type)", at: path[index].range))
                return nil
            }
            field = f
        }
        let bindingName = a.alias?.name ?? related.name
        let bindingRange = a.alias?.range ?? a.source.range
        if scope.bindings[bindingName] != nil || params[bindingName] != nil {
            // An alias that is free: the entity's initial, then longer prefixes, then numbered.
            let taken = { (n: String) in scope.bindings[n] != nil || params[n] != nil || schema.entity(named: n) != nil }
            let alias = (1...related.name.count).lazy.map { String(related.name.prefix($0)) }.first { !taken($0) }
                ?? (2...).lazy.map { "\(related.name.prefix(1))\($0)" }.first { !taken($0) }!
            report(.error(.shadowedName, "`\(bindingName)` is already bound here, so the rows of `\(path[0..<index].map(\.name).joined(separator: "."))` cannot be named `\(bindingName)`",
                          at: bindingRange, help: "name them with an alias: `\(a.function.rawValue)(\(alias) in \(a.source.path!.map(\.name).joined(separator: ".")) where …)`"))
            return nil
        }
        var inner = scope
        inner.bindings[bindingName] = related.name
        var filter: TypedExpr?
        if let w = a.filter {
            guard let f = checkCondition(w, scope: inner, what: "the `where` condition") else { return nil }
            filter = f
        }
        let typed = TypedAggregate(function: a.function, ownerBinding: path[0].name, ownerRelations: relations, ownerEntity: owner.name,
                                   relatedEntity: related.name, foreignKey: many.foreignKey, binding: bindingName,
                                   field: field?.name, filter: filter)
        let type: ExprType
        switch a.function {
        case .count: type = .int
        case .exists: type = .bool
        case .sum, .min, .max: type = ExprType(field!.type)
        }
        return TypedExpr(.aggregate(typed), type, r, nullable: !(a.function == .count || a.function == .exists))
    }
}

extension RuleChecker {
    /// How to reach an entity the rule is not about: through a relation of the rule's entity.
    func unboundEntityHelp(_ name: String) -> String {
        let about = "this rule is about `\(entity.name)`"
        if let r = entity.relations.first(where: { $0.target == name && $0.cardinality == .manyToOne }) {
            return "\(about); reach `\(name)` through its relation: `\(entity.name).\(r.name).…`"
        }
        if let r = entity.relations.first(where: { $0.target == name && $0.cardinality == .oneToMany }) {
            let alias = String(name.prefix(1))
            return "\(about), which has many `\(name)` rows: aggregate them, e.g. `exists(\(alias) in \(entity.name).\(r.name) where …)`"
        }
        return "\(about); reach other rows through its relations"
    }
}
