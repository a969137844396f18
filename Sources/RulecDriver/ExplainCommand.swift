import RulecDiagnostics
import RulecPostgres
import RulecScenario
import RulecSchema
import RulecSemantics
import RulecSyntax

/// The version printed by `rulec --version`.
public let rulecVersion = "0.1.0"

/// `rulec explain CODE`: the long form of a diagnostic (rustc's `--explain`).
public struct ExplainCommand {
    public var code: String
    public init(code: String) { self.code = code }

    /// Every code any phase can report.
    public static var allCodes: [DiagnosticCode] { DiagnosticCode.syntaxCodes + [DiagnosticCode.formatterSelfCheck] + DiagnosticCode.schemaCodes + DiagnosticCode.pullCodes + DiagnosticCode.semanticCodes + DiagnosticCode.scenarioCodes }

    public func run() -> CommandOutput {
        let wanted = code.uppercased()
        guard let c = ExplainCommand.allCodes.first(where: { $0.id == wanted }) else {
            let known = ExplainCommand.allCodes.map(\.id)
            return CommandOutput(stderr: "error: unknown diagnostic code `\(code)`; codes are \(known.first ?? "")…\(known.last ?? "")\n", status: .usage)
        }
        return CommandOutput(stdout: "\(c.id): \(c.title)\n\n\(c.explanation)\n")
    }
}
