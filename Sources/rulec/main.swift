import ArgumentParser
import Foundation
import RulecDiagnostics
import RulecDriver

/// The `rulec` command line: argument parsing only. Every command is a `RulecDriver` call.
@main
struct Rulec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rulec",
        abstract: "Compile, check and test .crmrule automations for Supabase/PostgreSQL CRMs.",
        version: rulecVersion,
        subcommands: [Check.self, Parse.self, Explain.self]
    )
}

/// Options shared by commands that print diagnostics.
struct DiagnosticOptions: ParsableArguments {
    @Option(name: .long, help: "Diagnostic format: text or json.")
    var format: DiagnosticRenderer.Format = .text

    /// Colour only on a terminal, never with NO_COLOR set (https://no-color.org).
    var renderer: DiagnosticRenderer {
        let tty = isatty(STDERR_FILENO) != 0
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return DiagnosticRenderer(format: format, color: format == .text && tty && !noColor)
    }
}

extension DiagnosticRenderer.Format: ExpressibleByArgument {}

/// Prints a command's output and exits with its status.
func finish(_ output: CommandOutput) throws -> Never {
    FileHandle.standardOutput.write(Data(output.stdout.utf8))
    FileHandle.standardError.write(Data(output.stderr.utf8))
    throw ExitCode(output.status.rawValue)
}

struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse rule files and report syntax errors.")

    @Argument(help: "Rule files, or directories holding .crmrule files.")
    var paths: [String]

    @Flag(name: .long, help: "Print the syntax tree as S-expressions.")
    var dumpAst = false

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(ParseCommand(paths: paths, dumpAST: dumpAst, renderer: diagnostics.renderer).run())
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse and type-check rule files against the CRM schema.")

    @Argument(help: "Rule files, or directories holding .crmrule files.")
    var paths: [String]

    @Option(name: .long, help: "Schema YAML file (default: the embedded CRM schema).")
    var schema: String?

    @Flag(name: .long, help: "Print the typed program.")
    var dumpTyped = false

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(CheckCommand(paths: paths, schemaPath: schema, dumpTyped: dumpTyped, renderer: diagnostics.renderer).run())
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the long explanation of a diagnostic code, e.g. R1011.")

    @Argument(help: "A diagnostic code such as R1011.")
    var code: String

    func run() throws {
        try finish(ExplainCommand(code: code).run())
    }
}
