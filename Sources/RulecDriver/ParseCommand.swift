import RulecDiagnostics
import RulecSyntax

/// `rulec parse PATHS… [--dump-ast]`: syntax only, for golden tests and editors.
public struct ParseCommand {
    public var paths: [String]
    public var dumpAST: Bool
    public var renderer: DiagnosticRenderer

    public init(paths: [String], dumpAST: Bool = false, renderer: DiagnosticRenderer = DiagnosticRenderer()) {
        self.paths = paths
        self.dumpAST = dumpAST
        self.renderer = renderer
    }

    public func run() -> CommandOutput {
        let sources: SourceManager
        do {
            let files = try RuleSources.expand(paths)
            if files.isEmpty { return CommandOutput(stderr: "error: no .crmrule files in \(paths.joined(separator: ", "))\n", status: .usage) }
            sources = try RuleSources.load(files)
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", status: .usage)
        }
        let (tree, diagnostics) = Parser.parse(sources)
        var out = CommandOutput()
        if dumpAST {
            let dumper = ASTDump()
            for file in tree.files {
                out.stdout += ";; \(sources[file.file].path)\n" + dumper.dump(file)
            }
        }
        out.stderr = renderer.report(diagnostics, sources: sources)
        out.status = diagnostics.contains { $0.severity == .error } ? .inputErrors : .ok
        return out
    }
}

extension DiagnosticRenderer {
    /// The diagnostics, then (for people) a one-line count.
    public func report(_ diagnostics: [Diagnostic], sources: SourceManager) -> String {
        render(diagnostics, sources: sources) + (format == .text ? summary(diagnostics) : "")
    }
}

/// "2 errors, 1 warning in 3 files" (the files the diagnostics are in): printed after
/// diagnostics in text mode.
func summary(_ diagnostics: [Diagnostic]) -> String {
    let files = Set(diagnostics.compactMap { $0.range?.file }).count
    let errors = diagnostics.filter { $0.severity == .error }.count
    let warnings = diagnostics.filter { $0.severity == .warning }.count
    if errors == 0 && warnings == 0 { return "" }
    func plural(_ n: Int, _ w: String) -> String { "\(n) \(w)\(n == 1 ? "" : "s")" }
    var parts: [String] = []
    if errors > 0 { parts.append(plural(errors, "error")) }
    if warnings > 0 { parts.append(plural(warnings, "warning")) }
    return parts.joined(separator: ", ") + (files > 0 ? " in " + plural(files, "file") : "") + "\n"
}
