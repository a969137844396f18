/// How bad a diagnostic is. Errors stop the pipeline; warnings and notes do not.
public enum Severity: String, Sendable, Codable, Comparable {
    case error, warning, note

    public static func < (a: Severity, b: Severity) -> Bool {
        let order: [Severity] = [.error, .warning, .note]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// A secondary place in the source that helps explain a diagnostic.
public struct DiagnosticLabel: Hashable, Sendable {
    public var range: SourceRange
    public var message: String
    public init(_ range: SourceRange, _ message: String) {
        self.range = range
        self.message = message
    }
}

/// A mechanical edit that would fix the problem: replace `range` with `replacement`.
public struct FixIt: Hashable, Sendable {
    public var range: SourceRange
    public var replacement: String
    public init(range: SourceRange, replacement: String) {
        self.range = range
        self.replacement = replacement
    }
}

/// One problem found in the user's input, as data: renderers decide how it looks.
public struct Diagnostic: Hashable, Sendable {
    public var severity: Severity
    public var code: DiagnosticCode
    /// Lowercase, no final period, user names in backticks.
    public var message: String
    /// The smallest range that is wrong. `nil` for problems that have no place (a missing file).
    public var range: SourceRange?
    public var labels: [DiagnosticLabel]
    public var notes: [String]
    public var help: String?
    public var fixIts: [FixIt]

    public init(
        _ severity: Severity, _ code: DiagnosticCode, _ message: String, at range: SourceRange?,
        labels: [DiagnosticLabel] = [], notes: [String] = [], help: String? = nil, fixIts: [FixIt] = []
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.range = range
        self.labels = labels
        self.notes = notes
        self.help = help
        self.fixIts = fixIts
    }

    public static func error(
        _ code: DiagnosticCode, _ message: String, at range: SourceRange?,
        labels: [DiagnosticLabel] = [], notes: [String] = [], help: String? = nil, fixIts: [FixIt] = []
    ) -> Diagnostic {
        Diagnostic(.error, code, message, at: range, labels: labels, notes: notes, help: help, fixIts: fixIts)
    }

    public static func warning(
        _ code: DiagnosticCode, _ message: String, at range: SourceRange?,
        labels: [DiagnosticLabel] = [], notes: [String] = [], help: String? = nil
    ) -> Diagnostic {
        Diagnostic(.warning, code, message, at: range, labels: labels, notes: notes, help: help)
    }
}

/// Collects diagnostics from a phase, capping the count so a hopeless file does not flood the terminal.
public struct DiagnosticBag: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    /// The most errors one run reports; later ones are counted, not kept.
    public var limit: Int
    public private(set) var droppedCount = 0

    public init(limit: Int = 200) { self.limit = limit }

    public mutating func add(_ d: Diagnostic) {
        if diagnostics.count >= limit { droppedCount += 1; return }
        diagnostics.append(d)
    }

    public mutating func append(contentsOf ds: [Diagnostic]) { for d in ds { add(d) } }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Sorted by file and position, so output is deterministic and reads top to bottom.
    public var sorted: [Diagnostic] { Diagnostic.sorted(diagnostics) }
}

extension Diagnostic {
    /// Sorts by place, then code, then message: a stable order for output and golden files.
    public static func sorted(_ ds: [Diagnostic]) -> [Diagnostic] {
        ds.enumerated().sorted { a, b in
            let ra = a.element.range, rb = b.element.range
            switch (ra, rb) {
            case (nil, nil): break
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?): if x != y { return x < y }
            }
            return a.offset < b.offset
        }.map(\.element)
    }
}
