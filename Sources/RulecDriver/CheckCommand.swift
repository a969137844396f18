import RulecDiagnostics
import RulecSemantics

/// `rulec check PATHS… [--schema FILE] [--dump-typed]`: parse and type-check against the schema.
public struct CheckCommand {
    public var loader: ProgramLoader
    public var dumpTyped: Bool
    public var renderer: DiagnosticRenderer

    public init(paths: [String], schemaPath: String? = nil, dumpTyped: Bool = false, renderer: DiagnosticRenderer = DiagnosticRenderer()) {
        self.loader = ProgramLoader(paths: paths, schemaPath: schemaPath)
        self.dumpTyped = dumpTyped
        self.renderer = renderer
    }

    public func run() -> CommandOutput {
        let loaded: ProgramLoader.Loaded
        do { loaded = try loader.load() } catch { return CommandOutput(stderr: "error: \(error)\n", status: .usage) }
        var out = CommandOutput(stderr: renderer.report(loaded.diagnostics, sources: loaded.sources))
        guard let program = loaded.program else {
            out.status = .inputErrors
            return out
        }
        if dumpTyped { out.stdout = TypedDump().dump(program) }
        else if renderer.format == .text {
            out.stderr += "checked \(program.rules.count) rule\(program.rules.count == 1 ? "" : "s") in \(loaded.sources.files.count) file\(loaded.sources.files.count == 1 ? "" : "s")\n"
        }
        return out
    }
}
