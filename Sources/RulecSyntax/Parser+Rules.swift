import RulecDiagnostics

extension Parser {
    /// Grammar: program = { rule } ;
    func parseFile() -> RuleFile {
        trace("program")
        var rules: [RuleDecl] = []
        while !at(.endOfFile) {
            if at(.rule) {
                rules.append(parseRule())
            } else {
                // Text before the first rule, or between rules after recovery failed.
                expected("`rule`", help: "each rule starts with `rule NAME`")
                advance()
                while !at(.rule) && !at(.endOfFile) { advance() }
            }
        }
        drainLexer()
        if droppedDiagnostics > 0 {
            diagnostics.append(.error(.tooManyErrors, "\(droppedDiagnostics) more errors in this file are not shown",
                                      at: SourceRange(file: fileIndex, start: lexer.end, end: lexer.end),
                                      help: "fix the errors above first; later ones are often caused by them"))
        }
        return RuleFile(file: fileIndex, rules: rules, comments: lexer.comments)
    }

    /// Grammar: rule = "rule" IDENT [ STRING ] { clause } when_clause [ if_clause ] then_clause ;
    func parseRule() -> RuleDecl {
        trace("rule")
        ruleHasErrors = false
        let ruleToken = advance()
        let name = parseDeclaredName(what: "a rule name")
        var description: String?
        if at(.string) || (at(.invalid) && current.startsLine == false && lexer.bytes[current.range.start] == UInt8(ascii: "\"")) {
            description = parseDescription()
        }
        var params: [ParamDecl] = []
        var oncePer: OncePerClause?
        var limit: LimitClause?
        var priority: PriorityClause?
        var triggers: [Trigger] = []
        var sawWhen = false
        var condition: Expr?
        var sawIf = false
        var actions: [Action] = []
        var sawThen = false

        func duplicate(_ what: String, _ r: SourceRange) {
            report(.error(.duplicateClause, "`\(what)` is given twice in rule `\(name.name)`", at: r,
                          help: "keep one `\(what)` clause"))
        }

        // Clause ranks in LANGUAGE.md §3's order, to warn about (accepted) other orders.
        var lastRank = 0
        func rank(_ k: Keyword) -> Int? {
            switch k {
            case .param: return 1
            case .once: return 2
            case .limit: return 3
            case .priority: return 4
            case .when: return 5
            case .if: return 6
            case .then: return 7
            default: return nil
            }
        }
        loop: while !at(.endOfFile) && !at(.rule) {
            let before = current.range.start
            if case .keyword(let k) = current.kind, let r = rank(k) {
                if r < lastRank {
                    report(.warning(.clauseOutOfOrder, "`\(k.rawValue)` comes after a later clause", at: current.range,
                                    help: "write clauses in the order `param`, `once per`, `limit`, `priority`, `when`, `if`, `then`; `rulec fmt` reorders them"))
                }
                lastRank = max(lastRank, r)
            }
            switch current.kind {
            case .keyword(.param):
                params.append(parseParam())
            case .keyword(.once):
                let c = parseOncePer()
                if oncePer != nil { duplicate("once per", c.range) } else { oncePer = c }
            case .keyword(.limit):
                let c = parseLimit()
                if limit != nil { duplicate("limit", c.range) } else { limit = c }
            case .keyword(.priority):
                if let c = parsePriority() {
                    if priority != nil { duplicate("priority", c.range) } else { priority = c }
                }
            case .keyword(.when):
                let r = current.range
                let ts = parseWhen()
                if sawWhen { duplicate("when", r) } else { triggers = ts; sawWhen = true }
            case .keyword(.if):
                let r = current.range
                let c = parseIf()
                if sawIf { duplicate("if", r) } else { condition = c; sawIf = true }
            case .keyword(.then):
                let r = current.range
                let a = parseThen()
                if sawThen { duplicate("then", r) } else { actions = a; sawThen = true }
            default:
                if sawWhen && !sawThen && startsAction {
                    // The most common slip: actions written without `then`.
                    let t = current
                    report(.error(.missingThen, "missing `then` before the actions of rule `\(name.name)`",
                                  at: t.range, help: "write `then` before the first action",
                                  fixIts: [FixIt(range: range(t.range.start, t.range.start), replacement: "then ")]))
                    actions = parseActions()
                    sawThen = true
                } else {
                    expected(sawThen ? "an action or the next `rule`" : "a clause (`param`, `once per`, `limit`, `priority`, `when`, `if` or `then`)")
                    advance()
                    synchronizeToClause()
                }
            }
            // INVARIANT: every iteration consumes input.
            if current.range.start == before && !at(.endOfFile) && !at(.rule) { advance() }
        }
        if !sawWhen {
            report(.error(.missingWhen, "rule `\(name.name)` has no trigger", at: name.range,
                          help: "add a `when` clause, e.g. `when contact created`"))
        } else if !sawThen && !ruleHasErrors {
            report(.error(.missingThen, "rule `\(name.name)` has no `then` and no actions", at: previous.range.endPoint,
                          help: "add `then` followed by at least one action"))
        }
        let end = max(previous.range.end, ruleToken.range.end)
        return RuleDecl(name: name, description: description, params: params, oncePer: oncePer, limit: limit,
                        priority: priority, triggers: triggers, condition: condition, actions: actions,
                        range: range(ruleToken.range.start, end), hasSyntaxErrors: ruleHasErrors)
    }

    /// A name the user declares (rule, param, alias): an identifier, not a keyword.
    func parseDeclaredName(what: String) -> Identifier {
        let t = current
        switch t.kind {
        case .identifier:
            advance()
            return Identifier(text(t), t.range)
        case .keyword(let k) where !t.startsLine || what != "a rule name":
            advance()
            report(.error(.keywordAsName, "`\(k.rawValue)` is a reserved word and cannot be used as \(what)", at: t.range,
                          help: "choose another name, e.g. `\(k.rawValue)_`"))
            return Identifier(k.rawValue, t.range)
        default:
            expected(what)
            return Identifier("", range(previous.range.end, previous.range.end))
        }
    }

    /// A description is plain text: interpolations are refused.
    func parseDescription() -> String? {
        let t = advance()
        guard t.kind == .string else { return nil }
        let (parts, diags) = TemplateParser.parse(token: t, bytes: lexer.bytes, fileIndex: fileIndex, depth: depth, tracing: false)
        for d in diags { report(d) }
        var text = ""
        for part in parts {
            switch part {
            case .text(let s): text += s
            case .interpolation(let e):
                report(.error(.descriptionTemplate, "a rule description cannot interpolate expressions", at: e.range,
                              help: "write `{{` and `}}` for literal braces"))
            }
        }
        return text
    }

    /// Grammar: clause = param_clause | once_clause | limit_clause | priority_clause ;
    /// Grammar: param_clause = "param" IDENT ":" type "=" literal ;
    func parseParam() -> ParamDecl {
        trace("clause"); trace("param_clause")
        let start = advance().range.start
        let name = parseDeclaredName(what: "a param name")
        var type = TypeRef.named(Identifier("", range(previous.range.end, previous.range.end)))
        if accept(.colon) != nil {
            type = parseType()
        } else {
            expected("`:` and the param's type", help: "write `param \(name.name): text = \"…\"`")
        }
        var value = Expr(.error, range(previous.range.end, previous.range.end))
        if accept(.equal) != nil {
            value = parseLiteral()
        } else if !ruleHasErrors {
            expected("`=` and a default value", help: "every param has a default: `param \(name.name): \(typeName(type)) = …`")
        }
        return ParamDecl(name: name, type: type, defaultValue: value, range: range(start, previous.range.end))
    }

    private func typeName(_ t: TypeRef) -> String {
        switch t {
        case .named(let id): return id.name.isEmpty ? "text" : id.name
        case .list(let inner, _): return "[\(typeName(inner))]"
        }
    }

    /// Grammar: type = IDENT | "[" IDENT "]" ;
    /// A list holds values of one type, never lists (LANGUAGE.md §5, "lists of these"). Nested
    /// brackets are skipped in a loop, not recursion, so no depth of them can exhaust the stack.
    func parseType() -> TypeRef {
        trace("type")
        if let open = accept(.lbracket) {
            if current.kind == .lbracket {
                var depth = 1
                while accept(.lbracket) != nil { depth += 1 }
                if current.kind == .identifier { advance() }
                while depth > 0, accept(.rbracket) != nil { depth -= 1 }
                report(.error(.expectedToken, "a list of lists is not a type", at: range(open.range.start, previous.range.end),
                              help: "a list holds values of one type: `[text]`, `[int]`, `[contact_status]`"))
                return .named(Identifier("", range(open.range.start, previous.range.end)))
            }
            let inner = parseNamedType()
            if accept(.rbracket) == nil {
                report(.error(.unclosedDelimiter, "unclosed `[` in type", at: open.range, help: "close it with `]`"))
            }
            return .list(inner, range(open.range.start, previous.range.end))
        }
        return parseNamedType()
    }

    private func parseNamedType() -> TypeRef {
        let t = current
        if t.kind == .identifier {
            advance()
            return .named(Identifier(text(t), t.range))
        }
        expected("a type (`text`, `int`, `decimal`, `bool`, `timestamp`, `duration`, an enum, or `[T]`)")
        return .named(Identifier("", range(previous.range.end, previous.range.end)))
    }

    /// Grammar: literal = [ "-" ] NUMBER | duration | STRING | "true" | "false" | "null" | IDENT | "[" [ literal { "," literal } [ "," ] ] "]" ;
    func parseLiteral() -> Expr {
        trace("literal")
        let e = parseUnary()
        if !isLiteral(e) {
            report(.error(.expectedToken, "a param default must be a literal value", at: e.range,
                          help: "use a number, duration, string, `true`, `false`, `null`, an enum value or a list of these"))
            return Expr(.error, e.range)
        }
        return e
    }

    private func isLiteral(_ e: Expr) -> Bool {
        switch e.kind {
        case .number, .bool, .null, .duration, .name, .error: return true
        case .unary(.negate, let inner): if case .number = inner.kind { return true }; return false
        case .string(let parts): return parts.allSatisfy { if case .text = $0 { return true }; return false }
        case .list(let items): return items.allSatisfy(isLiteral)
        default: return false
        }
    }

    /// Grammar: once_clause = "once" "per" IDENT [ "every" window ] ;
    func parseOncePer() -> OncePerClause {
        trace("clause"); trace("once_clause")
        let start = advance().range.start
        if accept(.per) == nil { expected("`per` after `once`", help: "write `once per contact`") }
        let entity: Identifier
        if at(.identifier) {
            let t = advance()
            entity = Identifier(text(t), t.range)
        } else {
            expected("an entity name after `once per`")
            entity = Identifier("", range(previous.range.end, previous.range.end))
        }
        var every: Expr?
        if accept(.every) != nil { every = parseWindow() }
        return OncePerClause(entity: entity, every: every, range: range(start, previous.range.end))
    }

    /// Grammar: limit_clause = "limit" NUMBER "per" window ;
    func parseLimit() -> LimitClause {
        trace("clause"); trace("limit_clause")
        let start = advance().range.start
        var count = Expr(.error, range(previous.range.end, previous.range.end))
        if at(.number) {
            let t = advance()
            count = Expr(.number(text(t)), t.range)
        } else {
            expected("a number after `limit`", help: "write `limit 10 per 1 hour`")
        }
        var window = Expr(.error, range(previous.range.end, previous.range.end))
        if accept(.per) != nil {
            window = parseWindow()
        } else if !count.isError {
            expected("`per` and a duration", help: "write `limit \(count.kind == .error ? "10" : "N") per 1 hour`")
        }
        return LimitClause(count: count, window: window, range: range(start, previous.range.end))
    }

    /// Grammar: window = duration | UNIT ;
    func parseWindow() -> Expr {
        trace("window")
        let t = current
        if t.kind == .identifier, let unit = DurationUnit(spelling: text(t)) {
            advance()
            return Expr(.duration(amount: "1", unit: unit), t.range)
        }
        return parseDuration()
    }

    /// Grammar: duration = NUMBER UNIT ;
    func parseDuration() -> Expr {
        trace("duration")
        guard at(.number) else {
            expected("a duration such as `3 days`")
            // A name in its place (`delay wait`) is taken as the bad duration, not reported again
            // as the start of something else.
            if current.kind == .identifier, !current.startsLine { return Expr(.error, advance().range) }
            return Expr(.error, range(previous.range.end, previous.range.end))
        }
        let number = advance()
        return parseDurationUnit(after: number) ?? {
            expected("a duration unit (`seconds`, `minutes`, `hours`, `days`, `weeks`) after `\(text(number))`")
            return Expr(.error, number.range)
        }()
    }

    /// Grammar: priority_clause = "priority" IDENT ;
    func parsePriority() -> PriorityClause? {
        trace("clause"); trace("priority_clause")
        let start = advance().range.start
        let t = current
        if t.kind == .identifier, let level = Priority(rawValue: text(t)) {
            advance()
            return PriorityClause(level: level, range: range(start, t.range.end))
        }
        if t.kind == .identifier || t.kind == .number {
            advance()
            report(.error(.invalidPriority, "unknown priority \(describe(t))", at: t.range, help: "use `high`, `normal` or `low`"))
        } else {
            expected("`high`, `normal` or `low`")
        }
        return nil
    }

    /// Grammar: if_clause = "if" expression ;
    func parseIf() -> Expr {
        trace("if_clause")
        advance()
        return parseExpression()
    }

    /// Grammar: then_clause = "then" action { action } ;
    func parseThen() -> [Action] {
        trace("then_clause")
        let thenToken = advance()
        let actions = parseActions()
        if actions.isEmpty && !ruleHasErrors {
            report(.error(.missingActions, "`then` is not followed by any action", at: thenToken.range,
                          help: "add an action, e.g. `notify message: \"…\"`"))
        }
        return actions
    }
}
