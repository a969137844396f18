import RulecDiagnostics

extension Parser {
    /// True when the current token can begin an action.
    var startsAction: Bool {
        switch current.kind {
        case .keyword(.create), .keyword(.update): return true
        case .identifier: return true
        default: return false
        }
    }

    /// The actions after `then`, until the next rule (or a clause keyword, which is an error
    /// reported by the rule loop).
    func parseActions() -> [Action] {
        var actions: [Action] = []
        while startsAction {
            let before = current.range.start
            if !actions.isEmpty && !current.startsLine && current.kind == .identifier {
                // `body: "hi" contact.first_name`: a missing comma, not a second action.
                report(.error(.expectedToken, "expected `,` or a line break before \(describe(current))", at: current.range,
                              help: "separate arguments with `,` and start each action on its own line"))
                skipToNextAction()
                continue
            }
            if let a = parseAction() { actions.append(a) }
            if current.range.start == before { advance() } // INVARIANT: progress
            if !startsAction && !atClauseStart {
                expected("an action or the next `rule`")
                skipToNextAction()
            }
        }
        return actions
    }

    /// Skips the rest of a damaged action: to the next line that starts an action, clause or rule.
    func skipToNextAction() {
        advance()
        while !atClauseStart && !(current.startsLine && startsAction) { advance() }
    }

    /// Grammar: action = create_action | update_action | external_action ;
    func parseAction() -> Action? {
        trace("action")
        switch current.kind {
        case .keyword(.create): return parseCreate()
        case .keyword(.update): return parseUpdate()
        default: return parseExternalAction()
        }
    }

    /// Grammar: create_action = "create" IDENT "with" argument { "," argument } ;
    func parseCreate() -> Action? {
        trace("create_action")
        let start = advance().range.start
        guard at(.identifier) else {
            expected("an entity name after `create`", help: "write `create task with title: \"…\"`")
            skipToNextAction()
            return nil
        }
        let t = advance()
        let entity = Identifier(text(t), t.range)
        guard accept(.with) != nil else {
            expected("`with` after `create \(entity.name)`", help: "write `create \(entity.name) with field: value, …`")
            skipToNextAction()
            return nil
        }
        let fields = parseArguments(separator: .colon, required: true)
        return Action(kind: .create(entity: entity, fields: fields), range: range(start, previous.range.end))
    }

    /// Grammar: update_action = "update" path "set" assignment { "," assignment } ;
    func parseUpdate() -> Action? {
        trace("update_action")
        let start = advance().range.start
        let target = parsePath(what: "what to update, e.g. `contact` or `message.contact`")
        guard !target.isError else { skipToNextAction(); return nil }
        guard accept(.set) != nil else {
            expected("`set` after `update \(source(target).dropFirst().dropLast())`", help: "write `update contact set field = value, …`")
            skipToNextAction()
            return nil
        }
        let assignments = parseArguments(separator: .equal, required: true)
        return Action(kind: .update(target: target, assignments: assignments), range: range(start, previous.range.end))
    }

    /// Grammar: external_action = IDENT [ argument { "," argument } ] [ delay ] ;
    /// Grammar: delay = "delay" window ;
    func parseExternalAction() -> Action? {
        trace("external_action")
        let t = advance()
        let name = Identifier(text(t), t.range)
        var arguments: [Argument] = []
        if isName(current.kind) && peek(1).kind == .colon {
            arguments = parseArguments(separator: .colon, required: false)
        } else if at(.lparen) {
            report(.error(.expectedToken, "actions take `key: value` arguments, not parentheses", at: current.range,
                          help: "write `\(name.name) key: value, …`"))
            skipToNextAction()
            return nil
        }
        var delay: Expr?
        if accept(.delay) != nil {
            trace("delay")
            delay = parseWindow()
        }
        return Action(kind: .external(name: name, arguments: arguments, delay: delay), range: range(name.range.start, previous.range.end))
    }

    /// `key: value, …` (or `field = value, …` for `update`). A line break after a comma continues the list.
    func parseArguments(separator: TokenKind, required: Bool) -> [Argument] {
        var arguments: [Argument] = []
        repeat {
            guard let a = parseArgument(separator: separator) else { break }
            arguments.append(a)
        } while accept(.comma) != nil
        return arguments
    }

    /// Grammar: argument = name ":" expression ;
    /// Grammar: assignment = name "=" expression ;
    func parseArgument(separator: TokenKind) -> Argument? {
        trace(separator == .colon ? "argument" : "assignment")
        let t = current
        guard isName(t.kind) else {
            expected(separator == .colon ? "an argument `key: value`" : "an assignment `field = value`")
            return nil
        }
        advance()
        let key = Identifier(text(t), t.range)
        guard accept(separator) != nil else {
            let sep = separator == .colon ? ":" : "="
            expected("`\(sep)` after `\(key.name)`", help: separator == .colon ? "write `\(key.name): value`" : "write `\(key.name) = value`")
            return Argument(key: key, value: Expr(.error, key.range.endPoint), range: key.range)
        }
        let value = parseExpression()
        return Argument(key: key, value: value, range: range(key.range.start, value.range.end))
    }

    /// Grammar: name = IDENT | KEYWORD ;
    func isName(_ kind: TokenKind) -> Bool {
        switch kind {
        case .identifier, .keyword: return true
        default: return false
        }
    }
}
