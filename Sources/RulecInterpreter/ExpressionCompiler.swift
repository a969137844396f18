import Foundation
import RulecSchema
import RulecSemantics
import RulecSyntax

/// What a compiled expression reads when it runs: the rows bound by slot, the params by slot,
/// the clock and the world. One is made per rule evaluation, on the stack; nothing in it is
/// looked up by name.
struct Frame {
    /// Unowned: the engine holds the world for longer than any frame lives, and a frame is made
    /// per candidate rule, so a retain and release of it each time would be pure cost.
    unowned(unsafe) let world: World
    let now: Int64
    let params: [Value]
    /// Binding slot 0: the rule's row (the trigger's entity, or the aggregate's owner).
    var row: Record
    /// Binding slots 1…: the related rows of aggregates, bound while their filter runs.
    var bound: [Record]
    /// The row before the change, for `old()`.
    let old: Record?

    init(world: World, now: Int64, params: [Value], row: Record, old: Record?, boundCount: Int) {
        self.world = world
        self.now = now
        self.params = params
        self.row = row
        self.old = old
        bound = boundCount == 0 ? [] : Array(repeating: [], count: boundCount)
    }
}

/// A typed expression compiled once per rule: a closure over a `Frame`. Evaluation has SQL
/// semantics: three-valued logic, nulls propagating, exact decimals, division by zero null.
typealias Compiled = (inout Frame) -> Value

/// A compiled expression held in an array. A bare closure in an array is stored at the most
/// general abstraction and every call goes through a conversion thunk; in a struct it is not.
struct Operand {
    let run: Compiled
}

/// Whether a condition holds: unknown does not.
@inline(__always)
func holds(_ c: Compiled, _ f: inout Frame) -> Bool {
    if case .bool(true) = c(&f) { return true }
    return false
}

/// Compiles the typed expressions of one rule: names (bindings, fields, relations, params) are
/// resolved to slots and positions here, once, so that evaluation never hashes a name.
struct ExpressionCompiler {
    let world: World
    /// Param name → slot in the rule's params.
    let params: [String: Int]
    /// Binding name → (slot, entity position) in scope.
    private var scope: [String: (slot: Int, entity: Int)]
    /// The rule's entity, for `old()`.
    private let entity: Int
    /// Binding slots 1… handed out so far (aggregate rows).
    private(set) var boundCount = 0

    init(world: World, params: [String: Int], binding: String, entity: Int) {
        self.world = world
        self.params = params
        self.entity = entity
        scope = [binding: (0, entity)]
    }

    func slot(_ field: String, of entity: Int) -> Int? {
        world.entities[entity].fields.firstIndex { $0.name == field }
    }

    /// The path of many-to-one relations from an entity; nil when a step does not resolve (the
    /// path then reads as null).
    func path(_ relations: [String], from start: Int) -> RelationPath? {
        var steps: [RelationPath.Step] = []
        var current = start
        for rel in relations {
            guard let r = world.entities[current].relation(named: rel), let fk = slot(r.foreignKey, of: current),
                  let target = world.position(of: r.target) else { return nil }
            steps.append(RelationPath.Step(fk: fk, target: target, tenant: tenantSlot(of: target)))
            current = target
        }
        return RelationPath(steps: steps, end: current, startTenant: tenantSlot(of: start))
    }

    /// The slot of an entity's tenant key, if it has one.
    func tenantSlot(of entity: Int) -> Int? {
        world.entities[entity].tenantKey.flatMap { slot($0, of: entity) }
    }

    /// The bound row of a slot, read from a frame.
    private static func bound(_ slot: Int) -> (inout Frame) -> Record {
        if slot == 0 { return { $0.row } }
        return { $0.bound[slot - 1] }
    }

    mutating func compile(_ e: TypedExpr) -> Compiled {
        switch e.kind {
        case .literal(let v): return { _ in v }
        case .param(let name):
            guard let p = params[name] else { return { _ in .null } }
            return { $0.params[p] }
        case .now: return { .timestamp($0.now) }
        case let .field(binding, relations, field):
            guard let (b, start) = scope[binding], let p = path(relations, from: start),
                  let s = slot(field, of: p.end) else { return { _ in .null } }
            if p.steps.isEmpty {
                if b == 0 { return { $0.row[s] } }
                return { $0.bound[b - 1][s] }
            }
            let base = Self.bound(b)
            return { f in
                guard let row = p.follow(base(&f), f.world) else { return .null }
                return row[s]
            }
        case .old(let field):
            guard let s = slot(field, of: entity) else { return { _ in .null } }
            return { $0.old?[s] ?? .null }
        case let .call(fn, args):
            return call(fn, args.map { Operand(run: compile($0)) })
        case .aggregate(let a):
            return aggregate(a)
        case .not(let x):
            let c = compile(x)
            return { f in
                if case .bool(let b) = c(&f) { return .bool(!b) }
                return .null
            }
        case .negate(let x):
            let c = compile(x)
            return { f in
                switch c(&f) {
                case .int(let n): return n == .min ? .null : .int(-n)
                case .decimal(let d): return .decimal(-d)
                case .duration(let d): return .duration(-d)
                default: return .null
                }
            }
        case let .binary(op, l, r):
            return binary(op, l, r)
        case let .membership(l, negated, r):
            let x = compile(l)
            if case .literal(let list) = r.kind {
                return { f in Self.negating(Evaluation.membership(x(&f), list), negated) }
            }
            let y = compile(r)
            return { f in
                let a = x(&f)
                return Self.negating(Evaluation.membership(a, y(&f)), negated)
            }
        case let .isNull(x, negated):
            let c = compile(x)
            return { .bool(c(&$0).isNull != negated) }
        case let .isEmpty(x, negated):
            let c = compile(x)
            return { f in
                switch c(&f) {
                case .text(let s): return .bool(s.isEmpty != negated)
                case .list(let items): return .bool(items.isEmpty != negated)
                default: return .null
                }
            }
        case .list(let items):
            let cs = items.map { Operand(run: compile($0)) }
            return { f in .list(cs.map { $0.run(&f) }) }
        case .template(let parts):
            enum Part { case text(String), value(Compiled) }
            let ps: [Part] = parts.map {
                switch $0 {
                case .text(let s): return .text(s)
                case .value(let x): return .value(compile(x))
                }
            }
            return { f in
                var out = ""
                for p in ps {
                    switch p {
                    case .text(let s): out += s
                    case .value(let c): out += ValueFormatting.render(c(&f))
                    }
                }
                return .text(out)
            }
        }
    }

    /// The slot of a field of the rule's own row (binding slot 0, no relations), or nil.
    private func ownSlot(_ e: TypedExpr) -> Int? {
        guard case let .field(binding, relations, field) = e.kind, relations.isEmpty,
              let (b, entity) = scope[binding], b == 0 else { return nil }
        return slot(field, of: entity)
    }

    /// `row[s] OP constant` for text equality, int order and list containment of a text, with
    /// what `Evaluation.binary` gives for any other value.
    private static func fieldAgainstConstant(_ op: BinaryOperator, _ s: Int, _ b: Value) -> Compiled? {
        switch (op, b) {
        case (.equal, .text(let t)), (.notEqual, .text(let t)):
            let equal = op == .equal
            return { f in
                switch f.row[s] {
                case .text(let x): return .bool(Comparison.textEqual(x, t) == equal)
                case .null: return .null
                case let a: return Evaluation.binary(op, a, b)
                }
            }
        case (.less, .int(let n)), (.lessEqual, .int(let n)), (.greater, .int(let n)), (.greaterEqual, .int(let n)):
            return { f in
                switch f.row[s] {
                case .int(let x):
                    switch op {
                    case .less: return .bool(x < n)
                    case .lessEqual: return .bool(x <= n)
                    case .greater: return .bool(x > n)
                    default: return .bool(x >= n)
                    }
                case .null: return .null
                case let a: return Evaluation.binary(op, a, b)
                }
            }
        case (.contains, .text(let t)):
            return { f in
                switch f.row[s] {
                case .list(let items):
                    // `membership(t, items)`: true on a match, unknown if an item is null, else false.
                    var sawNull = false
                    for item in items {
                        switch item {
                        case .text(let x): if Comparison.textEqual(x, t) { return .bool(true) }
                        case .null: sawNull = true
                        default: if Comparison.equal(b, item) == true { return .bool(true) }
                        }
                    }
                    return sawNull ? .null : .bool(false)
                case .null: return .null
                case let a: return Evaluation.binary(op, a, b)
                }
            }
        default:
            return nil
        }
    }

    private static func negating(_ v: Value, _ negated: Bool) -> Value {
        if negated, case .bool(let b) = v { return .bool(!b) }
        return v
    }

    private func call(_ fn: Function, _ args: [Operand]) -> Compiled {
        switch fn {
        case .coalesce:
            return { f in
                for a in args {
                    let v = a.run(&f)
                    if !v.isNull { return v }
                }
                return .null
            }
        case .lower, .upper:
            let lower = fn == .lower, a = args[0].run
            return { f in
                guard case .text(let s) = a(&f) else { return .null }
                return .text(lower ? CaseMapping.lower(s) : CaseMapping.upper(s))
            }
        case .length:
            let a = args[0].run
            return { f in
                switch a(&f) {
                // Code points, as PostgreSQL's length() counts them.
                case .text(let s): return .int(Int64(s.unicodeScalars.count))
                case .list(let items): return .int(Int64(items.count))
                default: return .null
                }
            }
        }
    }

    private mutating func aggregate(_ a: TypedAggregate) -> Compiled {
        let function = a.function
        let empty: Value = function == .count ? .int(0) : function == .exists ? .bool(false) : .null
        guard let (b, start) = scope[a.ownerBinding] else { return { _ in .null } }
        // An owner path that does not resolve reads as a missing owner row.
        guard let p = path(a.ownerRelations, from: start) else { return { _ in empty } }
        let owner = p.end
        let base = Self.bound(b)
        guard let ownerKey = slot(world.entities[owner].key, of: owner) else {
            return { f in p.follow(base(&f), f.world) == nil ? empty : .null }
        }
        // An unknown related table or foreign key holds no related rows.
        guard let related = world.position(of: a.relatedEntity), let fk = slot(a.foreignKey, of: related) else {
            return { f in
                guard let row = p.follow(base(&f), f.world) else { return empty }
                if case .text = row[ownerKey] { return empty }
                return .null
            }
        }
        // Related rows of another tenant than the row the expression starts from are not counted.
        let startTenant = p.startTenant, relatedTenant = tenantSlot(of: related)
        let field = a.field.map { slot($0, of: related) }
        var filter: Compiled?
        var inner = -1
        if let c = a.filter {
            boundCount += 1
            inner = boundCount
            let saved = scope
            scope[a.binding] = (inner, related)
            filter = compile(c)
            scope = saved
        }
        return { f in
            let start = base(&f)
            guard let row = p.follow(start, f.world) else { return empty }
            guard let key = row[ownerKey].keyText else { return .null }
            let tenant = startTenant.map { start[$0] }
            var count: Int64 = 0
            var acc: Value = .null
            for r in f.world.rows(related, where: fk, equals: key) {
                if let tenant, let relatedTenant, !RelationPath.sameTenant(tenant, r[relatedTenant]) { continue }
                if let filter {
                    f.bound[inner - 1] = r
                    guard holds(filter, &f) else { continue }
                }
                count += 1
                if function == .exists { return .bool(true) }
                guard let field else { continue }
                let v = field.map { r[$0] } ?? .null
                if v.isNull { continue }
                if acc.isNull { acc = v; continue }
                switch function {
                case .sum: acc = Arithmetic.add(acc, v)
                case .min: if let c = Comparison.compare(v, acc), c < 0 { acc = v }
                case .max: if let c = Comparison.compare(v, acc), c > 0 { acc = v }
                case .count, .exists: break
                }
            }
            switch function {
            case .count: return .int(count)
            case .exists: return .bool(false)
            case .sum, .min, .max: return acc
            }
        }
    }

    /// The operands of a chain of one operator (`a and b and c`, however nested), in order.
    private static func chain(_ op: BinaryOperator, _ e: TypedExpr) -> [TypedExpr] {
        if case let .binary(o, l, r) = e.kind, o == op { return chain(op, l) + chain(op, r) }
        return [e]
    }

    private mutating func binary(_ op: BinaryOperator, _ l: TypedExpr, _ r: TypedExpr) -> Compiled {
        // Three or more conjuncts (disjuncts) as one loop: false (true) if any operand is, else
        // true (false) if every operand is, else unknown, which is what the nested form gives.
        if op == .and || op == .or, case let operands = Self.chain(op, l) + Self.chain(op, r), operands.count > 2 {
            let cs = operands.map { Operand(run: compile($0)) }
            let decisive = op == .or
            return { f in
                var unknown = false
                for c in cs {
                    switch c.run(&f) {
                    case .bool(let v): if v == decisive { return .bool(decisive) }
                    default: unknown = true
                    }
                }
                return unknown ? .null : .bool(!decisive)
            }
        }
        let x = compile(l), y = compile(r)
        switch op {
        case .and:
            return { f in
                let a = x(&f)
                if case .bool(false) = a { return .bool(false) }
                let b = y(&f)
                if case .bool(false) = b { return .bool(false) }
                if case .bool(true) = a, case .bool(true) = b { return .bool(true) }
                return .null
            }
        case .or:
            return { f in
                let a = x(&f)
                if case .bool(true) = a { return .bool(true) }
                let b = y(&f)
                if case .bool(true) = b { return .bool(true) }
                if case .bool(false) = a, case .bool(false) = b { return .bool(false) }
                return .null
            }
        default: break
        }
        // A constant right operand (the usual `field OP literal`) is captured, not called; on a
        // field of the rule's own row, the common shapes are decided on the spot.
        if case .literal(let b) = r.kind, !b.isNull, let s = ownSlot(l) {
            if let fast = Self.fieldAgainstConstant(op, s, b) { return fast }
            return { f in
                let a = f.row[s]
                if a.isNull { return .null }
                return Evaluation.binary(op, a, b)
            }
        }
        if case .literal(let b) = r.kind {
            if b.isNull { return { f in _ = x(&f); return .null } }
            return { f in
                let a = x(&f)
                if a.isNull { return .null }
                return Evaluation.binary(op, a, b)
            }
        }
        return { f in
            let a = x(&f), b = y(&f)
            if a.isNull || b.isNull { return .null }
            return Evaluation.binary(op, a, b)
        }
    }
}

/// The operators on values (both operands known and not null), shared by every compiled form.
enum Evaluation {
    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Value {
        switch op {
        case .equal: return Comparison.equal(a, b).map(Value.bool) ?? .null
        case .notEqual: return Comparison.equal(a, b).map { .bool(!$0) } ?? .null
        case .less: return Comparison.compare(a, b).map { .bool($0 < 0) } ?? .null
        case .lessEqual: return Comparison.compare(a, b).map { .bool($0 <= 0) } ?? .null
        case .greater: return Comparison.compare(a, b).map { .bool($0 > 0) } ?? .null
        case .greaterEqual: return Comparison.compare(a, b).map { .bool($0 >= 0) } ?? .null
        case .contains:
            switch (a, b) {
            case let (.text(s), .text(t)): return .bool(containsBytes(s, t))
            case let (.list(items), x): return membership(x, .list(items))
            default: return .null
            }
        case .startsWith:
            guard case .text(let s) = a, case .text(let t) = b else { return .null }
            return .bool(s.utf8.starts(with: t.utf8))
        case .endsWith:
            guard case .text(let s) = a, case .text(let t) = b else { return .null }
            return .bool(s.utf8.reversed().starts(with: t.utf8.reversed()))
        case .add: return Arithmetic.add(a, b)
        case .subtract: return Arithmetic.subtract(a, b)
        case .multiply: return Arithmetic.multiply(a, b)
        case .divide: return Arithmetic.divide(a, b)
        case .and, .or: return .null
        }
    }

    /// Whether `t`'s UTF-8 bytes occur in `s`'s (PostgreSQL's `strpos(s, t) > 0` on UTF-8 text;
    /// the empty text occurs everywhere). A plain byte loop: the generic `firstRange(of:)` of the
    /// standard library was a fifth of the interpreter's time on keyword rules.
    static func containsBytes(_ s: String, _ t: String) -> Bool {
        var s = s, t = t
        return s.withUTF8 { hay in
            t.withUTF8 { needle in
                let n = needle.count, h = hay.count
                if n == 0 { return true }
                if n > h { return false }
                let first = needle[0]
                var i = 0
                while i <= h - n {
                    if hay[i] == first {
                        var k = 1
                        while k < n, hay[i + k] == needle[k] { k += 1 }
                        if k == n { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }

    /// SQL `x = ANY(list)`: false for an empty list (even when x is null); true on a match;
    /// unknown if x is null or the list holds a null; else false.
    static func membership(_ x: Value, _ list: Value) -> Value {
        guard case .list(let items) = list else { return .null }
        if items.isEmpty { return .bool(false) }
        if x.isNull { return .null }
        var sawNull = false
        for item in items {
            if item.isNull { sawNull = true; continue }
            if Comparison.equal(x, item) == true { return .bool(true) }
        }
        return sawNull ? .null : .bool(false)
    }
}
