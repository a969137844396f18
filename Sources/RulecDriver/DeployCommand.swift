import RulecDiagnostics
import RulecPostgres

/// `rulec deploy --database-url URL [PATH…] [--schema FILE] [--dry-run]`: the rules checked,
/// compared with the catalog in the database, checked against the live tables and applied in
/// one transaction under an advisory lock (`Deployer`). The plan goes to stdout, problems to
/// stderr. Exit status: 0 applied (or dry run passed), 1 rule errors, a missing table or column,
/// or a database error (nothing changed), 2 usage errors.
public struct DeployCommand {
    public var loader: ProgramLoader
    public var databaseURL: String
    public var dryRun: Bool
    public var renderer: DiagnosticRenderer

    public init(paths: [String], schemaPath: String? = nil, databaseURL: String, dryRun: Bool = false,
                renderer: DiagnosticRenderer = DiagnosticRenderer()) {
        self.loader = ProgramLoader(paths: paths, schemaPath: schemaPath)
        self.databaseURL = databaseURL
        self.dryRun = dryRun
        self.renderer = renderer
    }

    public func run() -> CommandOutput {
        let url: DatabaseURL
        do { url = try DatabaseURL(parsing: databaseURL) } catch {
            return CommandOutput(stderr: "error: \(error)\n", status: .usage)
        }
        let loaded: ProgramLoader.Loaded
        do { loaded = try loader.load() } catch { return CommandOutput(stderr: "error: \(error)\n", status: .usage) }
        var out = CommandOutput(stderr: renderer.render(loaded.diagnostics, sources: loaded.sources))
        guard let program = loaded.program else {
            out.stderr += renderer.report([], sources: loaded.sources)
            out.stderr += "error: nothing deployed: the rules have errors\n"
            out.status = .inputErrors
            return out
        }
        out.stdout += "\(dryRun ? "dry run: " : "")deploying \(program.rules.count) rule\(program.rules.count == 1 ? "" : "s") to \(url)\n"
        do {
            let client = try BlockingPostgresClient(url: url)
            defer { client.close() }
            let result = try Deployer.deploy(program, on: client, dryRun: dryRun)
            out.stdout += result.plan.render()
            switch result.outcome {
            case .applied:
                out.stdout += result.check.render()
                out.stdout += "deployed: \(program.rules.count) rule\(program.rules.count == 1 ? "" : "s") in one transaction\n"
            case .dryRun:
                out.stdout += result.check.render()
                out.stdout += "dry run: nothing changed\n"
            case .refused:
                out.stderr += result.check.render()
                out.stderr += "error: nothing deployed: the database lacks what the rules need; the rules deployed before keep running\n"
                out.status = .inputErrors
            }
        } catch {
            out.stderr += "error: \(error)\n"
            out.stderr += "error: nothing deployed (rolled back); the rules deployed before keep running\n"
            out.status = .inputErrors
        }
        return out
    }
}
