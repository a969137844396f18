import RulecDiagnostics
import RulecSchema

/// `rulec schema show|ddl [--schema FILE]`: the schema rules are checked against, readably or as
/// PostgreSQL DDL for a demo or scratch database.
public struct SchemaCommand {
    public enum Mode: Sendable { case show, ddl(DDLOptions) }

    public var schemaPath: String?
    public var mode: Mode
    public var renderer: DiagnosticRenderer

    public init(schemaPath: String?, mode: Mode, renderer: DiagnosticRenderer = DiagnosticRenderer()) {
        self.schemaPath = schemaPath
        self.mode = mode
        self.renderer = renderer
    }

    public func run() -> CommandOutput {
        let sources = SourceManager()
        let (schema, diagnostics) = ProgramLoader.loadSchema(path: schemaPath, sources: sources)
        var out = CommandOutput(stderr: renderer.report(diagnostics, sources: sources))
        guard let schema, !diagnostics.contains(where: { $0.severity == .error }) else {
            out.status = .inputErrors
            return out
        }
        switch mode {
        case .show: out.stdout = SchemaPrinter.show(schema)
        case .ddl(let options): out.stdout = DDLGenerator.ddl(for: schema, options: options)
        }
        return out
    }
}
