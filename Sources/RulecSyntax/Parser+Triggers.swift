import RulecDiagnostics

extension Parser {
    /// Grammar: when_clause = "when" trigger { "or" trigger } ;
    func parseWhen() -> [Trigger] {
        trace("when_clause")
        advance()
        var triggers: [Trigger] = []
        repeat {
            guard let t = parseTrigger() else {
                synchronizeToClause()
                return triggers
            }
            triggers.append(t)
        } while accept(.or) != nil
        return triggers
    }

    /// Grammar: trigger = IDENT ( "created" | "updated" | "deleted" ) | path "changes" [ "from" additive ] [ "to" additive ] | IDENT "meets" conjunction | additive "reaches" additive | duration ( "before" | "after" ) path ;
    func parseTrigger() -> Trigger? {
        trace("trigger")
        let start = current.range.start
        // DURATION before|after FIELD
        if at(.number), peek(1).kind == .identifier || peek(1).kind == .invalid {
            let offset = parseDuration()
            let direction: TimerDirection
            if accept(.before) != nil { direction = .before }
            else if accept(.after) != nil { direction = .after }
            else {
                if !offset.isError { expected("`before` or `after`", help: "write `24 hours before appointment.start_time`") }
                return nil
            }
            let field = parsePath(what: "a timestamp field such as `appointment.start_time`")
            return Trigger(kind: .timer(offset: offset, direction: direction, field: field), range: range(start, previous.range.end))
        }
        let subject = parseAdditive()
        if subject.isError { return nil }
        switch current.kind {
        case .keyword(.created), .keyword(.updated), .keyword(.deleted):
            let eventToken = advance()
            let event = LifecycleEvent(rawValue: text(eventToken))!
            guard case .name(let entity) = subject.kind else {
                report(.error(.invalidTrigger, "`\(event.rawValue)` follows an entity name, not a field",
                              at: subject.range, help: "write `\(subject.path?.first?.name ?? "contact") \(event.rawValue)`; to react to one field, use `changes`"))
                return nil
            }
            return Trigger(kind: .lifecycle(entity: Identifier(entity, subject.range), event: event), range: range(start, previous.range.end))
        case .keyword(.changes):
            advance()
            var from: Expr?, to: Expr?
            if accept(.from) != nil { from = parseAdditive() }
            if accept(.to) != nil { to = parseAdditive() }
            return Trigger(kind: .changes(field: subject, from: from, to: to), range: range(start, previous.range.end))
        case .keyword(.meets):
            advance()
            guard case .name(let entity) = subject.kind else {
                report(.error(.invalidTrigger, "`meets` follows an entity name", at: subject.range,
                              help: "write `\(subject.path?.first?.name ?? "contact") meets CONDITION`"))
                return nil
            }
            // `or` separates triggers, so a `meets` condition stops there; parenthesise to use `or` inside.
            let condition = parseConjunction()
            return Trigger(kind: .meets(entity: Identifier(entity, subject.range), condition: condition), range: range(start, previous.range.end))
        case .keyword(.reaches):
            advance()
            let threshold = parseAdditive()
            return Trigger(kind: .reaches(value: subject, threshold: threshold), range: range(start, previous.range.end))
        default:
            if current.kind == .invalid { ruleHasErrors = true; return nil }
            let help: String
            if current.kind.isComparisonOperator || at(.is) || at(.and) {
                help = "a trigger cannot test a condition directly: write `ENTITY meets CONDITION`, and wrap `or` inside it in parentheses"
            } else {
                help = "triggers are `ENTITY created|updated|deleted`, `FIELD changes`, `ENTITY meets COND`, `EXPR reaches EXPR` or `DURATION before|after FIELD`"
            }
            report(.error(.invalidTrigger, "expected `created`, `updated`, `deleted`, `changes`, `meets` or `reaches` after \(source(subject)), found \(describe(current))",
                          at: current.range, help: help))
            return nil
        }
    }

    /// The text of an expression as written, for messages.
    func source(_ e: Expr) -> String {
        "`" + String(decoding: lexer.bytes[e.range.start..<e.range.end], as: UTF8.self) + "`"
    }

    /// Grammar: path = IDENT { "." name } ;
    func parsePath(what: String) -> Expr {
        trace("path")
        guard at(.identifier) else {
            expected(what)
            return Expr(.error, range(previous.range.end, previous.range.end))
        }
        let t = advance()
        var e = Expr(.name(text(t)), t.range)
        while at(.dot) {
            advance()
            let member = parseMemberName()
            e = Expr(.member(e, member), range(e.range.start, previous.range.end))
        }
        return e
    }
}

extension TokenKind {
    var isComparisonOperator: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return true
        default: return false
        }
    }
}
