import RulecDiagnostics

extension Parser {
    /// Grammar: expression = disjunction ;
    func parseExpression() -> Expr {
        trace("expression")
        return parseDisjunction()
    }

    /// Runs `body` one nesting level deeper, refusing to go past `maxDepth`.
    func nested(_ body: () -> Expr) -> Expr {
        if depth >= Parser.maxDepth {
            let start = current.range.start
            report(.error(.nestingTooDeep, "expression is nested more than \(Parser.maxDepth) levels deep", at: current.range,
                          help: "split the expression into simpler parts"))
            skipNested()
            return Expr(.error, range(start, previous.range.end))
        }
        depth += 1
        defer { depth -= 1 }
        return body()
    }

    /// Skips a nested region without recursion, balancing brackets, so that hostile input
    /// (100,000 `(`) costs one diagnostic and linear time.
    private func skipNested() {
        var balance = 0
        while !at(.endOfFile) {
            switch current.kind {
            case .lparen, .lbracket: balance += 1
            case .rparen, .rbracket:
                if balance == 0 { return }
                balance -= 1
            default:
                if balance == 0 && atClauseStart { return }
            }
            advance()
        }
    }

    /// Builds a binary node, refusing chains that would make the tree too tall.
    func binary(_ op: BinaryOperator, _ l: Expr, _ r: Expr) -> Expr {
        let e = Expr(.binary(op, l, r), l.range.union(r.range))
        if e.height > Parser.maxDepth {
            report(.error(.nestingTooDeep, "expression chains more than \(Parser.maxDepth) operators", at: r.range,
                          help: "split it, or use `in [..]` instead of a long chain of `or`"))
            return Expr(.error, e.range)
        }
        return e
    }

    /// Grammar: disjunction = conjunction { "or" conjunction } ;
    func parseDisjunction() -> Expr {
        trace("disjunction")
        var e = parseConjunction()
        while at(.or) {
            advance()
            let r = parseConjunction()
            e = e.isError ? e : binary(.or, e, r)
        }
        return e
    }

    /// Grammar: conjunction = negation { "and" negation } ;
    func parseConjunction() -> Expr {
        trace("conjunction")
        var e = parseNegation()
        while at(.and) {
            advance()
            let r = parseNegation()
            e = e.isError ? e : binary(.and, e, r)
        }
        return e
    }

    /// Grammar: negation = "not" negation | comparison ;
    func parseNegation() -> Expr {
        trace("negation")
        if let not = accept(.not) {
            return nested {
                let inner = parseNegation()
                return Expr(.unary(.not, inner), range(not.range.start, inner.range.end))
            }
        }
        return parseComparison()
    }

    /// Grammar: comparison = additive [ comparison_tail ] ;
    /// Grammar: comparison_tail = ( "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" ) additive | "starts" "with" additive | "ends" "with" additive | [ "not" ] "in" additive | "is" [ "not" ] ( "null" | "empty" ) ;
    func parseComparison() -> Expr {
        trace("comparison")
        let left = parseAdditive()
        guard let e = parseComparisonTail(left) else { return left }
        if isComparisonStart {
            report(.error(.chainedComparison, "comparisons cannot be chained", at: current.range,
                          help: "combine two comparisons with `and`: `a < b and b < c`"))
            _ = parseComparisonTail(e)
            return Expr(.error, range(e.range.start, previous.range.end))
        }
        return e
    }

    var isComparisonStart: Bool {
        switch current.kind {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual,
             .keyword(.contains), .keyword(.starts), .keyword(.ends), .keyword(.in), .keyword(.is):
            return true
        case .keyword(.not): return peek(1).is(.in)
        default: return false
        }
    }

    private func parseComparisonTail(_ left: Expr) -> Expr? {
        trace("comparison_tail")
        let op: BinaryOperator
        switch current.kind {
        case .equal: op = .equal
        case .notEqual: op = .notEqual
        case .less: op = .less
        case .lessEqual: op = .lessEqual
        case .greater: op = .greater
        case .greaterEqual: op = .greaterEqual
        case .keyword(.contains): op = .contains
        case .keyword(.starts), .keyword(.ends):
            let word = advance()
            if accept(.with) == nil { expected("`with` after `\(text(word))`") }
            let right = parseAdditive()
            return binary(word.is(.starts) ? .startsWith : .endsWith, left, right)
        case .keyword(.not) where peek(1).is(.in):
            advance(); advance()
            let right = parseAdditive()
            return Expr(.membership(left, negated: true, right), left.range.union(right.range))
        case .keyword(.in):
            advance()
            let right = parseAdditive()
            return Expr(.membership(left, negated: false, right), left.range.union(right.range))
        case .keyword(.is):
            advance()
            let negated = accept(.not) != nil
            if let t = accept(.null) {
                return Expr(.isNull(left, negated: negated), range(left.range.start, t.range.end))
            }
            if let t = accept(.empty) {
                return Expr(.isEmpty(left, negated: negated), range(left.range.start, t.range.end))
            }
            expected("`null` or `empty` after `is\(negated ? " not" : "")`", help: "to compare values, write `=` instead of `is`")
            return Expr(.error, range(left.range.start, previous.range.end))
        default:
            return nil
        }
        advance()
        let right = parseAdditive()
        return binary(op, left, right)
    }

    /// Grammar: additive = multiplicative { ( "+" | "-" ) multiplicative } ;
    func parseAdditive() -> Expr {
        trace("additive")
        var e = parseMultiplicative()
        while at(.plus) || at(.minus) {
            let op: BinaryOperator = advance().kind == .plus ? .add : .subtract
            let r = parseMultiplicative()
            e = e.isError ? e : binary(op, e, r)
        }
        return e
    }

    /// Grammar: multiplicative = unary { ( "*" | "/" ) unary } ;
    func parseMultiplicative() -> Expr {
        trace("multiplicative")
        var e = parseUnary()
        while at(.star) || at(.slash) {
            let op: BinaryOperator = advance().kind == .star ? .multiply : .divide
            let r = parseUnary()
            e = e.isError ? e : binary(op, e, r)
        }
        return e
    }

    /// Grammar: unary = "-" unary | postfix ;
    func parseUnary() -> Expr {
        trace("unary")
        if let minus = accept(.minus) {
            return nested {
                let inner = parseUnary()
                return Expr(.unary(.negate, inner), range(minus.range.start, inner.range.end))
            }
        }
        return parsePostfix()
    }

    /// Grammar: postfix = primary { "." name } ;
    func parsePostfix() -> Expr {
        trace("postfix")
        var e = parsePrimary()
        while at(.dot) {
            advance()
            let member = parseMemberName()
            e = Expr(.member(e, member), range(e.range.start, member.range.end))
            if e.height > Parser.maxDepth {
                report(.error(.nestingTooDeep, "field path is longer than \(Parser.maxDepth) steps", at: member.range))
                return Expr(.error, e.range)
            }
        }
        return e
    }

    /// A member name after `.`: keywords are allowed (a column may be called `from`).
    func parseMemberName() -> Identifier {
        trace("name")
        let t = current
        if isName(t.kind) {
            advance()
            return Identifier(text(t), t.range)
        }
        expected("a field name after `.`")
        return Identifier("", range(previous.range.end, previous.range.end))
    }

    /// Grammar: primary = NUMBER [ UNIT ] | STRING | "true" | "false" | "null" | "now" | "(" expression ")" | list | aggregate | call | IDENT ;
    func parsePrimary() -> Expr {
        trace("primary")
        let t = current
        switch t.kind {
        case .number:
            advance()
            if let d = parseDurationUnit(after: t) { return d }
            return Expr(.number(text(t)), t.range)
        case .string:
            trace("template")
            advance()
            let (parts, diags) = TemplateParser.parse(token: t, bytes: lexer.bytes, fileIndex: fileIndex, depth: depth, tracing: tracing)
            for d in diags { report(d) }
            if diags.contains(where: { $0.severity == .error }) { return Expr(.error, t.range) }
            return Expr(.string(parts), t.range)
        case .keyword(.true): advance(); return Expr(.bool(true), t.range)
        case .keyword(.false): advance(); return Expr(.bool(false), t.range)
        case .keyword(.null): advance(); return Expr(.null, t.range)
        case .keyword(.now): advance(); return Expr(.now, t.range)
        case .lparen:
            return nested {
                advance()
                let inner = parseExpression()
                if accept(.rparen) == nil {
                    report(.error(.unclosedDelimiter, "unclosed `(`", at: t.range,
                                  labels: [DiagnosticLabel(current.range, "expected `)` before \(describe(current))")],
                                  help: "add `)` to close it"))
                }
                var e = inner
                e.range = range(t.range.start, previous.range.end)
                return e
            }
        case .lbracket:
            return nested { parseList() }
        case .keyword(.count), .keyword(.exists), .keyword(.sum), .keyword(.min), .keyword(.max):
            return nested { parseAggregate() }
        case .keyword(.old):
            return nested { parseCall() }
        case .identifier:
            if peek(1).kind == .lparen { return nested { parseCall() } }
            advance()
            return Expr(.name(text(t)), t.range)
        case .invalid:
            advance()
            ruleHasErrors = true
            return Expr(.error, t.range)
        default:
            expected("an expression")
            return Expr(.error, range(t.range.start, t.range.start))
        }
    }

    /// Grammar: list = "[" [ expression { "," expression } [ "," ] ] "]" ;
    func parseList() -> Expr {
        trace("list")
        let open = advance()
        var items: [Expr] = []
        if !at(.rbracket) {
            repeat {
                if at(.rbracket) { break } // trailing comma
                items.append(parseExpression())
            } while accept(.comma) != nil
        }
        if accept(.rbracket) == nil {
            report(.error(.unclosedDelimiter, "unclosed `[`", at: open.range,
                          labels: [DiagnosticLabel(current.range, "expected `]` or `,` before \(describe(current))")],
                          help: "add `]` to close the list"))
        }
        return Expr(.list(items), range(open.range.start, previous.range.end))
    }

    /// Grammar: call = ( IDENT | "old" ) "(" [ expression { "," expression } ] ")" ;
    func parseCall() -> Expr {
        trace("call")
        let nameToken = advance()
        let name = Identifier(text(nameToken), nameToken.range)
        let open = current
        guard accept(.lparen) != nil else {
            expected("`(` after `\(name.name)`", help: "write `\(name.name)(contact.email)`")
            return Expr(.error, nameToken.range)
        }
        var args: [Expr] = []
        if !at(.rparen) {
            repeat { args.append(parseExpression()) } while accept(.comma) != nil
        }
        if accept(.rparen) == nil {
            report(.error(.unclosedDelimiter, "unclosed `(` in call to `\(name.name)`", at: open.range,
                          labels: [DiagnosticLabel(current.range, "expected `)` or `,` before \(describe(current))")],
                          help: "add `)` to close the call"))
        }
        return Expr(.call(name, args), range(nameToken.range.start, previous.range.end))
    }

    /// Grammar: aggregate = ( "count" | "exists" | "sum" | "min" | "max" ) "(" [ IDENT "in" ] path [ "where" expression ] ")" ;
    func parseAggregate() -> Expr {
        trace("aggregate")
        let fn = advance()
        let function = Aggregate.Function(rawValue: text(fn))!
        let open = current
        guard accept(.lparen) != nil else {
            expected("`(` after `\(function.rawValue)`", help: "write `\(function.rawValue)(contact.messages where …)`")
            return Expr(.error, fn.range)
        }
        var alias: Identifier?
        if peek(1).is(.in), at(.identifier) || current.kind.isKeyword {
            alias = parseDeclaredName(what: "an alias")
            advance() // in
        }
        let source = parsePath(what: "a relation such as `contact.messages`")
        var filter: Expr?
        if accept(.where) != nil { filter = parseExpression() }
        if accept(.rparen) == nil {
            report(.error(.unclosedDelimiter, "unclosed `(` in `\(function.rawValue)(…)`", at: open.range,
                          labels: [DiagnosticLabel(current.range, "expected `)` before \(describe(current))")],
                          help: "add `)` to close it"))
        }
        return Expr(.aggregate(Aggregate(function: function, alias: alias, source: source, filter: filter)),
                    range(fn.range.start, previous.range.end))
    }

    /// After a number: a duration unit makes it a duration literal. An identifier on the same line
    /// that is not a unit (and does not begin the next action's `key:`) is reported as an unknown unit.
    func parseDurationUnit(after number: Token) -> Expr? {
        let t = current
        guard t.kind == .identifier, !t.startsLine else { return nil }
        let word = text(t)
        let amount = text(number)
        if let unit = DurationUnit(spelling: word) {
            advance()
            return Expr(.duration(amount: amount, unit: unit), range(number.range.start, t.range.end))
        }
        // `body: 5 notify message: …` on one line: the next action, not a unit.
        if isName(peek(1).kind) && peek(2).kind == .colon { return nil }
        advance()
        let help: String
        switch word {
        case "month", "months", "year", "years":
            help = "\(word) have no fixed length; write days instead, e.g. `\(word.hasPrefix("month") ? "30" : "365") days`"
        default:
            let suggestion = DurationUnit.allCases.map(\.rawValue).min { editDistance($0, word) < editDistance($1, word) }!
            help = "use `seconds`, `minutes`, `hours`, `days` or `weeks`" + (editDistance(suggestion, word) <= 3 ? "; did you mean `\(suggestion)`?" : "")
        }
        report(.error(.unknownDurationUnit, "unknown duration unit `\(word)`", at: t.range, help: help))
        return Expr(.error, range(number.range.start, t.range.end))
    }
}

extension TokenKind {
    var isKeyword: Bool { if case .keyword = self { return true }; return false }
}

