import Foundation
import RulecDiagnostics
import RulecSchema
import RulecSemantics
import RulecSyntax

/// The front half of every command: read rule files and the schema, parse, check.
/// Shared so that `check`, `test`, `compile` and `run` see one program the same way.
public struct ProgramLoader {
    public var paths: [String]
    /// A schema YAML file; nil means the embedded default CRM schema.
    public var schemaPath: String?

    public init(paths: [String], schemaPath: String? = nil) {
        self.paths = paths
        self.schemaPath = schemaPath
    }

    /// The outcome: the checked program when there were no errors, and every diagnostic.
    public struct Loaded {
        public var sources: SourceManager
        public var tree: SyntaxTree?
        public var program: CheckedProgram?
        public var diagnostics: [Diagnostic]
        public var schema: Schema?
    }

    /// Loads the schema (file or default). Errors in it are diagnostics, not usage errors.
    public static func loadSchema(path: String?, sources: SourceManager) -> (Schema?, [Diagnostic]) {
        guard let path else { return (Schema.defaultCRM, []) }
        return SchemaLoader.load(fileAt: path, sources: sources)
    }

    public func load() throws(RuleSources.Problem) -> Loaded {
        let files = try RuleSources.expand(paths)
        if files.isEmpty { throw RuleSources.Problem(description: "no .crmrule files in \(paths.joined(separator: ", "))") }
        let sources = try RuleSources.load(files)
        let (tree, syntaxDiagnostics) = Parser.parse(sources)
        let (schema, schemaDiagnostics) = ProgramLoader.loadSchema(path: schemaPath, sources: sources)
        guard let schema else {
            return Loaded(sources: sources, tree: tree, program: nil, diagnostics: syntaxDiagnostics + schemaDiagnostics, schema: nil)
        }
        let (program, checkDiagnostics) = Checker.check(tree, schema: schema, sources: sources)
        let all = Diagnostic.sorted(syntaxDiagnostics + schemaDiagnostics + checkDiagnostics)
        // A syntax error the parser recovered from still makes the program invalid: no command
        // may run (or pass) a program whose source it could not read whole.
        let readWhole = !(syntaxDiagnostics + schemaDiagnostics).contains { $0.severity == .error }
        return Loaded(sources: sources, tree: tree, program: readWhole ? program : nil, diagnostics: all, schema: schema)
    }
}
