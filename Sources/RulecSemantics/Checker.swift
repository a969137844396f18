import Foundation
import RulecDiagnostics
import RulecSchema
import RulecSyntax

/// Resolves and types a parsed program against a schema, producing the `CheckedProgram` both
/// backends consume. Rules with syntax errors are skipped (their errors are already reported), and
/// an expression that failed to check yields nil so that its parents stay quiet: one mistake, one
/// diagnostic.
public final class Checker {
    let schema: Schema
    let sources: SourceManager
    var diagnostics: [Diagnostic] = []

    public init(schema: Schema, sources: SourceManager) {
        self.schema = schema
        self.sources = sources
    }

    /// Checks every rule. The program is returned only when there are no errors.
    public static func check(_ tree: SyntaxTree, schema: Schema, sources: SourceManager) -> (CheckedProgram?, [Diagnostic]) {
        let checker = Checker(schema: schema, sources: sources)
        let rules = checker.checkRules(tree)
        let diags = Diagnostic.sorted(checker.diagnostics)
        let failed = diags.contains { $0.severity == .error } || tree.rules.contains { $0.hasSyntaxErrors }
        return (failed ? nil : CheckedProgram(schema: schema, rules: rules), diags)
    }

    /// Errors so far, counted as they come so a rule can tell whether it added any in O(1).
    private(set) var errorCount = 0

    func report(_ d: Diagnostic) {
        if d.severity == .error { errorCount += 1 }
        diagnostics.append(d)
    }

    func checkRules(_ tree: SyntaxTree) -> [CheckedRule] {
        var firstByName: [String: RuleDecl] = [:]
        var checked: [CheckedRule] = []
        for rule in tree.rules {
            if rule.name.name.isEmpty { continue }
            if let first = firstByName[rule.name.name] {
                report(.error(.duplicateRule, "rule `\(rule.name.name)` is defined twice", at: rule.name.range,
                              labels: [DiagnosticLabel(first.name.range, "first defined here")],
                              help: "rename one of them; rule names are unique across all files"))
                continue
            }
            firstByName[rule.name.name] = rule
            if rule.hasSyntaxErrors { continue }
            var ruleChecker = RuleChecker(checker: self, rule: rule)
            if let c = ruleChecker.check() { checked.append(c) }
        }
        RuleGraph(rules: checked, schema: schema).cycles().forEach { cycle in
            let names = cycle.map(\.name)
            let path = (names + [names[0]]).map { "`\($0)`" }.joined(separator: " → ")
            let labels = cycle.dropFirst().map { DiagnosticLabel(firstByName[$0.name]!.name.range, "part of the cycle") }
            report(.error(.ruleCycle, "rules trigger each other in a cycle: \(path)",
                          at: firstByName[names[0]]!.name.range, labels: Array(labels),
                          help: "change a trigger or an action so that no rule writes what it (indirectly) listens to"))
        }
        return checked
    }

    /// FNV-1a over the rule's source text: stable across runs and machines.
    func sourceHash(_ range: SourceRange) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        let bytes = sources[range.file].bytes
        for b in bytes[range.start..<min(range.end, bytes.count)] {
            h ^= UInt64(b)
            h = h &* 0x100000001b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// "did you mean" help from candidates, or a list when there are few.
    func suggestion(for name: String, among candidates: [String], kind: String) -> String? {
        if let m = closestMatch(to: name, in: candidates) { return "did you mean `\(m)`?" }
        let sorted = candidates.sorted()
        if sorted.isEmpty { return nil }
        if sorted.count <= 12 { return "\(kind) are \(listOfNames(sorted, conjunction: "and"))" }
        return nil
    }
}
