import Foundation
import RulecDiagnostics
import RulecSyntax

/// `rulec fmt [--check] PATHS…`: rewrites files in the canonical layout. A file with syntax
/// errors is reported and left untouched; `--check` changes nothing and lists unformatted files.
/// `-` formats standard input to standard output.
public struct FormatCommand {
    public var paths: [String]
    public var check: Bool
    public var renderer: DiagnosticRenderer
    /// Standard input, for `-`.
    public var stdin: () -> [UInt8]

    public init(paths: [String], check: Bool = false, renderer: DiagnosticRenderer = DiagnosticRenderer(),
                stdin: @escaping () -> [UInt8] = { [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }) {
        self.paths = paths
        self.check = check
        self.renderer = renderer
        self.stdin = stdin
    }

    public func run() -> CommandOutput {
        var out = CommandOutput()
        if paths == ["-"] {
            let file = SourceFile(path: "<stdin>", bytes: stdin())
            switch Formatter.format(file) {
            case .formatted(let text):
                if check {
                    if Array(text.utf8) != file.bytes { out.stdout = "<stdin>\n"; out.status = .inputErrors }
                } else {
                    out.stdout = text
                }
            case .invalid(let diagnostics):
                out.stderr = renderer.report(diagnostics, sources: single(file))
                out.status = .inputErrors
            }
            return out
        }
        let files: [String]
        let sources: SourceManager
        do {
            files = try RuleSources.expand(paths)
            sources = try RuleSources.load(files)
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", status: .usage)
        }
        var unformatted = 0
        for file in sources.files {
            switch Formatter.format(file) {
            case .formatted(let text):
                guard Array(text.utf8) != file.bytes else { continue }
                unformatted += 1
                if check {
                    out.stdout += file.path + "\n"
                } else {
                    do { try Data(text.utf8).write(to: URL(fileURLWithPath: file.path), options: .atomic) } catch {
                        out.stderr += "error: cannot write \(file.path): \(error.localizedDescription)\n"
                        out.status = .usage
                    }
                }
            case .invalid(let diagnostics):
                out.stderr += renderer.render(diagnostics, sources: single(file))
                out.stderr += "\(file.path): not formatted (syntax errors)\n"
                out.status = .inputErrors
            }
        }
        if check && unformatted > 0 {
            out.stderr += "\(unformatted) file\(unformatted == 1 ? "" : "s") would be reformatted\n"
            out.status = .inputErrors
        }
        return out
    }

    /// Diagnostics from the formatter name file 0: render them against that one file.
    private func single(_ file: SourceFile) -> SourceManager {
        let m = SourceManager()
        m.add(file)
        return m
    }
}
