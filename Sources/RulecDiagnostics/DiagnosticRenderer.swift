/// Renders diagnostics for people (rustc's layout) or tools (one JSON object per line).
public struct DiagnosticRenderer: Sendable {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var format: Format
    /// ANSI colour; the CLI turns it on only for a TTY without `NO_COLOR`.
    public var color: Bool

    public init(format: Format = .text, color: Bool = false) {
        self.format = format
        self.color = color
    }

    public func render(_ diagnostics: [Diagnostic], sources: SourceManager) -> String {
        var out = ""
        for d in diagnostics.prefix(Self.maxShown) {
            switch format {
            case .text: out += renderText(d, sources: sources)
            case .json: out += renderJSON(d, sources: sources) + "\n"
            }
        }
        if diagnostics.count > Self.maxShown, format == .text {
            out += "note: \(diagnostics.count - Self.maxShown) more diagnostics are not shown (the first \(Self.maxShown) are); fix these and run again\n\n"
        }
        return out
    }

    /// The most diagnostics printed in one run. Past a few hundred, more help nobody, and each
    /// costs the length of its line to place (thousands of errors on one long line took minutes).
    /// The summary line still counts them all, and the exit status does not change.
    public static let maxShown = 500

    /// The human form:
    /// ```
    /// error[R1003]: unterminated string
    ///   --> rules/a.crmrule:3:12
    ///    |
    ///  3 |   then notify message: "hi
    ///    |                        ^^^ the string starts here
    ///    = help: close it with `"`
    /// ```
    public func renderText(_ d: Diagnostic, sources: SourceManager) -> String {
        var out = paint(d.severity.rawValue + "[\(d.code.id)]", severityColor(d.severity)) + paint(": " + d.message, bold) + "\n"
        if let r = d.range, r.file < sources.files.count {
            let file = sources[r.file]
            let (line, col) = file.lineAndColumn(of: r.start)
            let labels = d.labels.filter { $0.range.file < sources.files.count }
            let maxLine = ([file.lineAndColumn(of: r.end).line] + labels.map { sources[$0.range.file].lineAndColumn(of: $0.range.end).line }).max()!
            let gutter = String(repeating: " ", count: String(max(line, maxLine)).count)
            out += "\(gutter)\(paint("-->", blue)) \(file.path):\(line):\(col)\n"
            out += "\(gutter) \(paint("|", blue))\n"
            // Each source line is printed once; a label on a line already shown adds only its underline.
            var shown: (file: Int, line: Int)?
            func mark(_ range: SourceRange, marker: Character, label: String?, color: String) {
                let f = sources[range.file]
                let (l, c) = f.lineAndColumn(of: range.start)
                let (el, ec) = f.lineAndColumn(of: range.end)
                if range.file != r.file && shown?.file != range.file {
                    out += "\(gutter)\(paint("::>", blue)) \(f.path):\(l):\(c)\n"
                }
                if shown?.file != range.file || shown?.line != l {
                    out += sourceLine(file: f, line: l, col: c, gutter: gutter)
                    shown = (range.file, l)
                }
                out += underline(file: f, line: l, col: c, endLine: el, endCol: ec, gutter: gutter, marker: marker, label: label, color: color)
            }
            mark(r, marker: "^", label: nil, color: severityColor(d.severity))
            for label in labels { mark(label.range, marker: "-", label: label.message, color: blue) }
            for note in d.notes { out += "\(gutter) \(paint("=", blue)) note: \(note)\n" }
            if let help = d.help { out += "\(gutter) \(paint("=", blue)) help: \(help)\n" }
        } else {
            for note in d.notes { out += "  = note: \(note)\n" }
            if let help = d.help { out += "  = help: \(help)\n" }
        }
        return out + "\n"
    }

    /// Lines longer than this are shown as a window around the column of interest.
    static let maxShownWidth = 160

    /// The part of a line shown, and the number of characters cut from its start.
    private func window(_ text: String, around col: Int) -> (String, Int) {
        guard text.count > DiagnosticRenderer.maxShownWidth else { return (text, 0) }
        let skip = max(0, min(col - 1 - 40, text.count - DiagnosticRenderer.maxShownWidth))
        let shown = String(text.dropFirst(skip).prefix(DiagnosticRenderer.maxShownWidth))
        return (skip > 0 ? "…" + shown : shown, skip > 0 ? skip - 1 : 0)
    }

    private func sourceLine(file: SourceFile, line: Int, col: Int, gutter: String) -> String {
        let lineNo = String(line).leftPadded(to: gutter.count)
        return "\(paint(lineNo + " |", blue)) \(window(file.lineText(line), around: col).0)\n"
    }

    private func underline(file: SourceFile, line: Int, col rawCol: Int, endLine: Int, endCol rawEndCol: Int, gutter: String,
                           marker: Character, label: String?, color: String) -> String {
        let (text, cut) = window(file.lineText(line), around: rawCol)
        let col = rawCol - cut, endCol = min(rawEndCol - cut, text.count + 1)
        let width = endLine == line ? max(1, endCol - col) : max(1, text.count - col + 1)
        // Keep tabs in the padding so the caret lines up under the same character.
        let padding = String(text.prefix(max(0, col - 1)).map { $0 == "\t" ? "\t" : " " })
        let marks = padding + String(repeating: marker, count: width)
        return "\(gutter) \(paint("|", blue)) \(paint(marks + (label.map { " " + $0 } ?? ""), color))\n"
    }

    /// One JSON object with the fields tools need; keys in a fixed order for stable output.
    public func renderJSON(_ d: Diagnostic, sources: SourceManager) -> String {
        var fields: [(String, String)] = [
            ("code", jsonString(d.code.id)),
            ("severity", jsonString(d.severity.rawValue)),
        ]
        if let r = d.range, r.file < sources.files.count {
            let f = sources[r.file]
            let (l, c) = f.lineAndColumn(of: r.start)
            let (el, ec) = f.lineAndColumn(of: r.end)
            fields += [("file", jsonString(f.path)), ("line", "\(l)"), ("column", "\(c)"),
                       ("end_line", "\(el)"), ("end_column", "\(ec)")]
        } else {
            fields += [("file", "null"), ("line", "null"), ("column", "null"), ("end_line", "null"), ("end_column", "null")]
        }
        fields.append(("message", jsonString(d.message)))
        fields.append(("help", d.help.map(jsonString) ?? "null"))
        if !d.notes.isEmpty { fields.append(("notes", "[" + d.notes.map(jsonString).joined(separator: ",") + "]")) }
        return "{" + fields.map { "\(jsonString($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    private var bold: String { "\u{1B}[1m" }
    private var blue: String { "\u{1B}[1;34m" }
    private func severityColor(_ s: Severity) -> String {
        switch s {
        case .error: return "\u{1B}[1;31m"
        case .warning: return "\u{1B}[1;33m"
        case .note: return "\u{1B}[1;36m"
        }
    }
    private func paint(_ s: String, _ code: String) -> String {
        color ? code + s + "\u{1B}[0m" : s
    }
}

/// JSON string escaping shared by every JSON writer of the project.
public func jsonString(_ s: String) -> String {
    var out = "\""
    out.reserveCapacity(s.utf8.count + 2)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String {
        count >= n ? self : String(repeating: " ", count: n - count) + self
    }
}
