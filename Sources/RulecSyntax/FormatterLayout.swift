import RulecDiagnostics

/// One line of formatted code, with the source it came from, so comments can find their line.
struct CodeLine {
    var indent: Int
    var text: String
    /// Source offset of the first token printed on this line.
    var start: Int
    /// Source offset just past the last token printed on this line.
    /// INVARIANT: lines sorted by `start` cover the code in order; `codeEnd <= next.start`.
    var codeEnd: Int
    var isRuleHeader: Bool
}

/// Lays out one parsed, error-free file: builds the code lines of every rule, attaches each
/// comment to a line (before it or at its end), and renders the text.
struct FormatLayout {
    let bytes: [UInt8]
    let file: RuleFile
    /// Comments in source order (the lexer's order).
    let comments: [Comment]

    init(source: SourceFile, file: RuleFile) {
        self.bytes = source.bytes
        self.file = file
        self.comments = file.comments
    }

    // MARK: Rendering

    func render() -> String {
        let ruleLines = file.rules.map(lines(for:))
        let all = ruleLines.flatMap { $0 }
        var placement = CommentPlacement(lineCount: all.count)
        place(comments: &placement, lines: all)

        var out: [String] = []
        var lineIndex = 0
        for (r, lines) in ruleLines.enumerated() {
            if r > 0 { out.append("") }
            for line in lines {
                let leading = placement.leading[lineIndex].sorted { $0.range.start < $1.range.start }
                let pad = String(repeating: " ", count: line.indent)
                for (k, c) in leading.enumerated() {
                    out.append(pad + "#" + trimmedTrailingWhitespace(c.text))
                    if line.isRuleHeader {
                        // A blank line inside a comment block before a rule (or between the block and
                        // the rule, like a file header) is kept, collapsed to one.
                        let next = k + 1 < leading.count ? leading[k + 1].range.start : line.start
                        if hasBlankLine(from: c.range.end, to: next) { out.append("") }
                    }
                }
                var text = pad + line.text
                if let t = placement.trailing[lineIndex] {
                    text += "  #" + trimmedTrailingWhitespace(t.text)
                }
                out.append(text)
                lineIndex += 1
            }
        }
        var previousEnd = file.rules.last?.range.end ?? 0
        for c in placement.endOfFile {
            if !out.isEmpty && hasBlankLine(from: previousEnd, to: c.range.start) { out.append("") }
            out.append("#" + trimmedTrailingWhitespace(c.text))
            previousEnd = c.range.end
        }
        return out.isEmpty ? "" : out.joined(separator: "\n") + "\n"
    }

    /// True when the whitespace between two offsets holds an empty line.
    func hasBlankLine(from a: Int, to b: Int) -> Bool {
        guard a < b else { return false }
        var newlines = 0
        for i in a..<min(b, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            newlines += 1
            if newlines >= 2 { return true }
        }
        return false
    }

    // MARK: Comments

    struct CommentPlacement {
        var leading: [[Comment]]
        var trailing: [Comment?]
        var endOfFile: [Comment] = []
        init(lineCount: Int) {
            leading = Array(repeating: [], count: lineCount)
            trailing = Array(repeating: nil, count: lineCount)
        }
    }

    /// Attaches every comment to exactly one place.
    /// - A trailing comment goes to the end of the line printing the token it followed.
    /// - A full-line comment inside the code of a line goes before that line; otherwise before
    ///   the next line of code in source order; after the last one, to the end of the file.
    func place(comments placement: inout CommentPlacement, lines: [CodeLine]) {
        // Lines in source order (clauses may have been reordered).
        let order = lines.indices.sorted { lines[$0].start < lines[$1].start }
        let starts = order.map { lines[$0].start }
        /// Position in `order` of the last line starting at or before `offset`, or -1.
        func lastLine(atOrBefore offset: Int) -> Int {
            var lo = 0, hi = starts.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if starts[mid] <= offset { lo = mid + 1 } else { hi = mid }
            }
            return lo - 1
        }
        var trailing: [[Comment]] = Array(repeating: [], count: lines.count)
        for c in comments {
            if c.isTrailing {
                let anchor = lastCodeByte(before: c.range.start)
                let k = lastLine(atOrBefore: anchor)
                if k >= 0 { trailing[order[k]].append(c) } else { placement.leading[order.first ?? 0].append(c) }
                continue
            }
            let k = lastLine(atOrBefore: c.range.start)
            if k >= 0 && c.range.start < lines[order[k]].codeEnd {
                placement.leading[order[k]].append(c)
            } else if k + 1 < order.count {
                placement.leading[order[k + 1]].append(c)
            } else {
                placement.endOfFile.append(c)
            }
        }
        // One comment fits at the end of a line; earlier ones move before it, keeping their order.
        for (i, cs) in trailing.enumerated() where !cs.isEmpty {
            placement.trailing[i] = cs.last
            placement.leading[i] += cs.dropLast()
        }
    }

    /// The offset of the last non-blank byte before `offset` on its line: the end of the code
    /// that a trailing comment follows.
    func lastCodeByte(before offset: Int) -> Int {
        var i = offset - 1
        while i > 0, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i -= 1 }
        return max(i, 0)
    }

    // MARK: Source positions the tree does not keep

    /// The start of the keyword `word` written just before `offset` (skipping blanks and
    /// comments), e.g. the `when` before the first trigger; `offset` itself if it is not there.
    func keywordStart(_ word: String, before offset: Int) -> Int {
        var i = offset - 1
        while i >= 0 {
            let b = bytes[i]
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n") {
                i -= 1
            } else if let c = comment(containing: i) {
                i = c.range.start - 1
            } else {
                break
            }
        }
        let end = i + 1
        var start = end
        while start > 0, isIdentifierContinue(bytes[start - 1]) { start -= 1 }
        guard start < end, String(decoding: bytes[start..<end], as: UTF8.self) == word else { return offset }
        return start
    }

    /// The comment whose text covers byte `i`, if any.
    func comment(containing i: Int) -> Comment? {
        var lo = 0, hi = comments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if comments[mid].range.start <= i { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let c = comments[lo - 1]
        return i < c.range.end ? c : nil
    }

    /// The end of the description string after a rule's name.
    func descriptionEnd(after nameEnd: Int) -> Int {
        var i = nameEnd
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n") {
                i += 1
            } else if b == UInt8(ascii: "#") {
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else {
                break
            }
        }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nameEnd }
        var ignored: [Diagnostic] = []
        return Lexer(bytes: bytes, fileIndex: file.file).scanStringBody(from: i, depth: 0, diags: &ignored).end
    }

    // MARK: Code lines

    func lines(for rule: RuleDecl) -> [CodeLine] {
        var lines: [CodeLine] = []
        func add(_ indent: Int, _ text: String, _ start: Int, _ end: Int, header: Bool = false) {
            lines.append(CodeLine(indent: indent, text: text, start: start, codeEnd: end, isRuleHeader: header))
        }
        var header = "rule " + rule.name.name
        var headerEnd = rule.name.range.end
        if let d = rule.description {
            header += " " + ExpressionPrinter.quote(d.isEmpty ? [] : [.text(d)])
            headerEnd = descriptionEnd(after: rule.name.range.end)
        }
        add(0, header, rule.range.start, headerEnd, header: true)

        for p in rule.params {
            add(2, "param \(p.name.name): \(typeText(p.type)) = \(ExpressionPrinter.print(p.defaultValue, minimum: .unary))",
                p.range.start, p.range.end)
        }
        if let o = rule.oncePer {
            add(2, "once per \(o.entity.name)" + (o.every.map { " every " + ExpressionPrinter.print($0) } ?? ""),
                o.range.start, o.range.end)
        }
        if let l = rule.limit {
            add(2, "limit \(ExpressionPrinter.print(l.count)) per \(ExpressionPrinter.print(l.window))", l.range.start, l.range.end)
        }
        if let p = rule.priority {
            add(2, "priority \(p.level.rawValue)", p.range.start, p.range.end)
        }
        if let first = rule.triggers.first, let last = rule.triggers.last {
            add(2, "when " + rule.triggers.map(triggerText).joined(separator: " or "),
                keywordStart("when", before: first.range.start), last.range.end)
        }
        if let condition = rule.condition {
            conditionLines(condition, into: &lines)
        }
        if let first = rule.actions.first {
            let then = keywordStart("then", before: first.range.start)
            add(2, "then", then, then == first.range.start ? then : then + 4)
            for a in rule.actions { actionLines(a, into: &lines) }
        }
        return lines
    }

    func typeText(_ t: TypeRef) -> String {
        switch t {
        case .named(let id): return id.name
        case .list(let inner, _): return "[" + typeText(inner) + "]"
        }
    }

    func triggerText(_ t: Trigger) -> String {
        /// The subject of a trigger: `3 days + x reaches …` would read as a timer, so it is parenthesised.
        func subject(_ e: Expr) -> String {
            let s = ExpressionPrinter.print(e, minimum: .additive)
            return ExpressionPrinter.startsWithDuration(e) ? "(" + s + ")" : s
        }
        switch t.kind {
        case let .lifecycle(entity, event):
            return entity.name + " " + event.rawValue
        case let .changes(field, from, to):
            return subject(field) + " changes"
                + (from.map { " from " + ExpressionPrinter.print($0, minimum: .additive) } ?? "")
                + (to.map { " to " + ExpressionPrinter.print($0, minimum: .additive) } ?? "")
        case let .meets(entity, condition):
            // `or` separates triggers, so a `meets` condition binds at least as tightly as `and`.
            return entity.name + " meets " + ExpressionPrinter.print(condition, minimum: .and)
        case let .reaches(value, threshold):
            return subject(value) + " reaches " + ExpressionPrinter.print(threshold, minimum: .additive)
        case let .timer(offset, direction, field):
            return ExpressionPrinter.print(offset) + " " + direction.rawValue + " " + ExpressionPrinter.print(field, minimum: .postfix)
        }
    }

    /// `if COND` on one line when it fits; else one line per operand of the unparenthesised
    /// `and`/`or` chain at its top, each continuation starting with its operator.
    func conditionLines(_ condition: Expr, into lines: inout [CodeLine]) {
        let ifStart = keywordStart("if", before: condition.range.start)
        let oneLine = "if " + ExpressionPrinter.print(condition)
        let segments = conditionSegments(condition)
        if 2 + oneLine.count <= Formatter.lineWidth || segments.count == 1 {
            lines.append(CodeLine(indent: 2, text: oneLine, start: ifStart, codeEnd: condition.range.end, isRuleHeader: false))
            return
        }
        for (k, s) in segments.enumerated() {
            let text = ExpressionPrinter.print(s.expr, minimum: s.minimum)
            if let op = s.op {
                lines.append(CodeLine(indent: 5, text: op.rawValue + " " + text, start: keywordStart(op.rawValue, before: s.expr.range.start),
                                      codeEnd: s.expr.range.end, isRuleHeader: false))
            } else {
                precondition(k == 0)
                lines.append(CodeLine(indent: 2, text: "if " + text, start: ifStart, codeEnd: s.expr.range.end, isRuleHeader: false))
            }
        }
    }

    /// The operands of the outermost `and` (or `or`) chain: `a or b and c or d` gives `a`,
    /// `or b and c`, `or d`. Only the top operator breaks lines, so an operator that starts a
    /// line always applies to everything above it.
    func conditionSegments(_ e: Expr) -> [(op: BinaryOperator?, expr: Expr, minimum: Precedence)] {
        guard case let .binary(top, _, _) = e.kind, top == .and || top == .or else { return [(nil, e, .or)] }
        let tighter = Precedence(rawValue: top.precedence.rawValue + 1)!
        var segments: [(op: BinaryOperator?, expr: Expr, minimum: Precedence)] = []
        var spine = e
        while case let .binary(op, l, r) = spine.kind, op == top {
            segments.append((op, r, tighter))
            spine = l
        }
        segments.append((nil, spine, top.precedence))
        return segments.reversed()
    }

    /// An action on one line when it fits, else one argument per line after the first.
    func actionLines(_ a: Action, into lines: inout [CodeLine]) {
        let head: String
        let arguments: [Argument]
        let separator: String
        var tail = ""
        switch a.kind {
        case let .external(name, args, delay):
            head = name.name
            arguments = args
            separator = ": "
            if let d = delay { tail = " delay " + ExpressionPrinter.print(d) }
        case let .create(entity, fields):
            head = "create " + entity.name + " with"
            arguments = fields
            separator = ": "
        case let .update(target, assignments):
            head = "update " + ExpressionPrinter.print(target, minimum: .postfix) + " set"
            arguments = assignments
            separator = " = "
        }
        let texts = arguments.map { $0.key.name + separator + ExpressionPrinter.print($0.value) }
        let oneLine = head + (texts.isEmpty ? "" : " " + texts.joined(separator: ", ")) + tail
        if 4 + oneLine.count <= Formatter.lineWidth || arguments.count <= 1 {
            lines.append(CodeLine(indent: 4, text: oneLine, start: a.range.start, codeEnd: a.range.end, isRuleHeader: false))
            return
        }
        for (k, arg) in arguments.enumerated() {
            let last = k == arguments.count - 1
            let text = texts[k] + (last ? tail : ",")
            let end = last ? a.range.end : arg.range.end
            if k == 0 {
                lines.append(CodeLine(indent: 4, text: head + " " + text, start: a.range.start, codeEnd: end, isRuleHeader: false))
            } else {
                lines.append(CodeLine(indent: 6, text: text, start: arg.range.start, codeEnd: end, isRuleHeader: false))
            }
        }
    }
}
