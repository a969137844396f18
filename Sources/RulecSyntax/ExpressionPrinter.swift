/// Prints expressions back to source text with the fewest parentheses that make the parser
/// rebuild the same tree (the AST keeps no parentheses). Used by `Formatter`.
///
/// Each position in the grammar accepts operands of at least some binding strength
/// (`Precedence`); an operand that binds more loosely than its position requires is wrapped in
/// parentheses. Binary operators are left-associative, so a right operand of the same strength
/// is parenthesised (`a - (b - c)`); comparisons are non-associative, so both of their operands
/// must bind at least as tightly as `+`.
enum ExpressionPrinter {
    /// How tightly `e` binds, i.e. the loosest grammar position it can appear in unparenthesised.
    static func precedence(of e: Expr) -> Precedence {
        switch e.kind {
        case .binary(let op, _, _): return op.precedence
        case .membership, .isNull, .isEmpty: return .comparison
        case .unary(.not, _): return .not
        case .unary(.negate, _): return .unary
        default: return .postfix
        }
    }

    /// `e` printed for a position that requires at least `minimum`; parenthesised when it binds looser.
    static func print(_ e: Expr, minimum: Precedence = .or) -> String {
        let text = printBare(e)
        return precedence(of: e) < minimum ? "(" + text + ")" : text
    }

    /// `e` without parentheses around itself (its operands get what they need).
    static func printBare(_ e: Expr) -> String {
        switch e.kind {
        case .number(let n): return n
        case .string(let parts): return quote(parts)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .now: return "now"
        case let .duration(amount, unit): return duration(amount: amount, unit: unit)
        case .list(let items): return "[" + items.map { print($0) }.joined(separator: ", ") + "]"
        case .name(let n): return n
        case let .member(base, member): return print(base, minimum: .postfix) + "." + member.name
        case let .call(name, args): return name.name + "(" + args.map { print($0) }.joined(separator: ", ") + ")"
        case .aggregate(let a):
            var s = a.function.rawValue + "("
            if let alias = a.alias { s += alias.name + " in " }
            s += print(a.source, minimum: .postfix)
            if let filter = a.filter { s += " where " + print(filter) }
            return s + ")"
        case let .unary(.not, operand):
            return "not " + print(operand, minimum: .not)
        case let .unary(.negate, operand):
            // `- -x` rather than `--x`, which reads like a typo; both parse the same.
            let inner = print(operand, minimum: .unary)
            return inner.hasPrefix("-") ? "- " + inner : "-" + inner
        case let .binary(op, l, r):
            let p = op.precedence
            if op.isComparison {
                return print(l, minimum: .additive) + " " + op.rawValue + " " + print(r, minimum: .additive)
            }
            // Left-associative: the right operand must bind strictly tighter.
            let tighter = Precedence(rawValue: p.rawValue + 1)!
            // `and`'s right operand is a negation (`a and not b`), one step tighter than `and`.
            return print(l, minimum: p) + " " + op.rawValue + " " + print(r, minimum: tighter)
        case let .membership(l, negated, r):
            return print(l, minimum: .additive) + (negated ? " not in " : " in ") + print(r, minimum: .additive)
        case let .isNull(x, negated):
            return print(x, minimum: .additive) + (negated ? " is not null" : " is null")
        case let .isEmpty(x, negated):
            return print(x, minimum: .additive) + (negated ? " is not empty" : " is empty")
        case .error:
            // Never reached for a file without syntax errors; the formatter's self-check refuses it.
            return "<error>"
        }
    }

    /// `3 days`, `1 hour`: the singular for an amount of exactly `1`, the plural otherwise.
    static func duration(amount: String, unit: DurationUnit) -> String {
        amount + " " + (amount == "1" ? String(unit.rawValue.dropLast()) : unit.rawValue)
    }

    /// A string literal whose parts decode back to `parts`: escapes for quotes, backslashes and
    /// control characters, doubled literal braces, and `{expr}` for interpolations.
    static func quote(_ parts: [TemplatePart]) -> String {
        var out = "\""
        for part in parts {
            switch part {
            case .text(let s): out += escape(s)
            case .interpolation(let e): out += "{" + print(e) + "}"
            }
        }
        return out + "\""
    }

    /// The body of a string literal that decodes to `s` (no interpolations).
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "{": out += "{{"
            case "}": out += "}}"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// True when `e`, printed, would begin with a duration literal (`3 days …`). At the start of a
    /// trigger that reads as a timer (`3 days before …`), so such a subject is parenthesised.
    static func startsWithDuration(_ e: Expr) -> Bool {
        switch e.kind {
        case .duration: return true
        case let .binary(op, l, _):
            return precedence(of: l) >= (op.isComparison ? .additive : op.precedence) && startsWithDuration(l)
        case .membership(let x, _, _), .isNull(let x, _), .isEmpty(let x, _):
            return precedence(of: x) >= .additive && startsWithDuration(x)
        case .member(let base, _): return precedence(of: base) >= .postfix && startsWithDuration(base)
        default: return false
        }
    }
}
