import Foundation
import RulecDiagnostics
import RulecInterpreter
import RulecPostgres
import RulecScenario
import RulecSemantics

/// `rulec test [PATH…] [--rules PATH] [--schema FILE] [--format text|json] [--filter TEXT]`
/// (LANGUAGE.md §8, docs/testing.md).
///
/// A directory PATH contributes every `.crmrule` under it to the program (unless `--rules` says
/// where the rules are) and every `*.test.yaml` under it to the run; a file PATH is a rule file or a
/// test file by its name. Each scenario runs on a fresh backend. Output: one line per scenario
/// (`PASS name (file:line)`, `FAIL …` with a diff, `ERROR …`), then `N passed, M failed`; or, with
/// `--format json`, one JSON object per scenario. Exit status: 0 all passed, 3 some failed, 1 the
/// rules or a test file are invalid (or a scenario could not run), 2 usage errors.
public struct TestCommand {
    public var paths: [String]
    public var rulesPaths: [String]
    public var schemaPath: String?
    public var format: DiagnosticRenderer.Format
    /// Only scenarios whose name contains it (case-insensitively) run.
    public var filter: String?
    public var renderer: DiagnosticRenderer
    public var backend: ScenarioBackendFactory
    /// Where the scenarios run: the interpreter (the factory `backend`) or PostgreSQL.
    public var backendKind: BackendKind
    /// The PostgreSQL server for `.postgres`; nil reads RULEC_TEST_PG* / PG* from the environment.
    public var databaseURL: String?

    /// `--backend interpreter|postgres`.
    public enum BackendKind: String, Sendable, CaseIterable {
        case interpreter, postgres
    }

    public init(paths: [String] = [], rulesPaths: [String] = [], schemaPath: String? = nil,
                format: DiagnosticRenderer.Format = .text, filter: String? = nil,
                renderer: DiagnosticRenderer? = nil, backend: @escaping ScenarioBackendFactory = InterpreterBackend.factory,
                backendKind: BackendKind = .interpreter, databaseURL: String? = nil) {
        self.paths = paths.isEmpty ? ["."] : paths
        self.rulesPaths = rulesPaths
        self.schemaPath = schemaPath
        self.format = format
        self.filter = filter
        self.renderer = renderer ?? DiagnosticRenderer(format: format)
        self.backend = backend
        self.backendKind = backendKind
        self.databaseURL = databaseURL
    }

    /// The PostgreSQL server to run on, checked by connecting to it; a usage error when there is none.
    func postgresServer() -> Result<DatabaseURL, CommandFailure> {
        let url: DatabaseURL
        if let text = databaseURL {
            do { url = try DatabaseURL(parsing: text) } catch { return .failure(CommandFailure(message: error.description)) }
        } else {
            guard let env = DatabaseURL.fromEnvironment() else { return .failure(CommandFailure(message: DatabaseURL.missingServerHelp)) }
            url = env
        }
        do {
            let probe = try BlockingPostgresClient(url: url)
            probe.close()
        } catch {
            return .failure(CommandFailure(message: "cannot use PostgreSQL at \(url): \(error.description)"))
        }
        return .success(url)
    }

    struct CommandFailure: Error { var message: String }

    /// The rule files and test files the paths name.
    func discover() throws(RuleSources.Problem) -> (rules: [String], tests: [String]) {
        var rules: [String] = [], tests: [String] = []
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw RuleSources.Problem(description: "no such file or directory: \(path)")
            }
            if isDir.boolValue {
                rules += try RuleSources.expand([path])
                tests += try RuleSources.expand([path], fileExtension: "test.yaml")
            } else if path.hasSuffix(".crmrule") {
                rules.append(path)
            } else if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                tests.append(path)
            } else {
                throw RuleSources.Problem(description: "`\(path)` is neither a rule file (.crmrule) nor a test file (.test.yaml)")
            }
        }
        if !rulesPaths.isEmpty { rules = try RuleSources.expand(rulesPaths) }
        var seen = Set<String>()
        return (rules.filter { seen.insert($0).inserted }, tests.filter { seen.insert($0).inserted })
    }

    public func run() -> CommandOutput {
        let files: (rules: [String], tests: [String])
        do { files = try discover() } catch { return CommandOutput(stderr: "error: \(error)\n", status: .usage) }
        if files.rules.isEmpty {
            return CommandOutput(stderr: "error: no .crmrule files in \((rulesPaths.isEmpty ? paths : rulesPaths).joined(separator: ", "))\n", status: .usage)
        }
        if files.tests.isEmpty {
            return CommandOutput(stderr: "error: no test files (*.test.yaml) in \(paths.joined(separator: ", "))\n", status: .usage)
        }
        let loaded: ProgramLoader.Loaded
        do { loaded = try ProgramLoader(paths: files.rules, schemaPath: schemaPath).load() } catch {
            return CommandOutput(stderr: "error: \(error)\n", status: .usage)
        }
        var out = CommandOutput()
        guard let program = loaded.program else {
            out.stderr = renderer.report(loaded.diagnostics, sources: loaded.sources)
            out.status = .inputErrors
            return out
        }
        var diagnostics = loaded.diagnostics
        let loader = ScenarioLoader(program: program, sources: loaded.sources)
        var entries: [TestFileEntry] = []
        for path in files.tests {
            let file = loader.read(path: path)
            // A file that cannot be read is reported whatever the filter: its names are unknown.
            if let unreadable = file.unreadable { entries.append(.unreadable(unreadable)) }
            else { diagnostics += file.fileDiagnostics }
            if let filter, !filter.isEmpty {
                entries += file.entries.filter { $0.name.localizedCaseInsensitiveContains(filter) }
            } else {
                entries += file.entries
            }
        }
        var factory = backend
        var pool: PostgresBackendPool?
        if backendKind == .postgres {
            switch postgresServer() {
            case .failure(let f): return CommandOutput(stderr: "error: \(f.message)\n", status: .usage)
            case .success(let url):
                pool = PostgresBackendPool(server: url)
                factory = pool!.factory
            }
        }
        defer { pool?.close() }
        let runner = ScenarioRunner(program: program, backend: factory)
        var passed = 0, failed = 0, errors = 0
        for entry in entries {
            let r: ScenarioResult
            switch entry {
            case .scenario(let scenario): r = runner.run(scenario, sources: loaded.sources)
            case .unreadable(let scenario): r = ScenarioResult(unreadable: scenario, sources: loaded.sources)
            }
            switch r.outcome {
            case .passed: passed += 1
            case .failed: failed += 1
            case .error: errors += 1
            }
            switch format {
            case .text:
                let place = r.line > 0 ? "(\(r.path):\(r.line))" : "(\(r.path))"
                switch r.outcome {
                case .passed: out.stdout += "PASS \(r.name) \(place)\n"
                case .failed: out.stdout += "FAIL \(r.name) \(place)\n" + r.diffText
                case .error:
                    out.stdout += "ERROR \(r.name) \(place)\n" + r.diagnostics.map { "    \($0.message)\n" }.joined()
                }
            case .json:
                out.stdout += json(r, sources: loaded.sources) + "\n"
            }
            diagnostics += r.diagnostics
        }
        let errorCount = diagnostics.filter { $0.severity == .error }.count
        out.stderr = renderer.report(Diagnostic.sorted(diagnostics), sources: loaded.sources)
        let summary = "\(passed) passed, \(failed + errors) failed\n"
        if format == .text { out.stdout += summary } else { out.stderr += summary }
        if errorCount > 0 || errors > 0 { out.status = .inputErrors }
        else if failed > 0 { out.status = .testsFailed }
        return out
    }

    /// `{"name":…,"file":…,"line":…,"status":"pass|fail|error","failures":[…],"expected":[…]|null,"jobs":[…],"diagnostics":[…]}`
    func json(_ r: ScenarioResult, sources: SourceManager) -> String {
        var s = "{\"name\":\(jsonString(r.name)),\"file\":\(jsonString(r.path)),\"line\":\(r.line),\"status\":\(jsonString(r.outcome.rawValue))"
        s += ",\"failures\":[" + r.failures.map(jsonString).joined(separator: ",") + "]"
        s += ",\"expected\":" + (r.expectedJobs.map { "[" + $0.map(jsonString).joined(separator: ",") + "]" } ?? "null")
        s += ",\"jobs\":[" + r.actualJobs.map(JobFormat.json).joined(separator: ",") + "]"
        s += ",\"diagnostics\":[" + r.diagnostics.map { renderer.renderJSON($0, sources: sources) }.joined(separator: ",") + "]"
        return s + "}"
    }
}
