import Foundation
import RulecDiagnostics
import RulecPostgres
import RulecSchema

/// `rulec schema pull --database-url URL [--db-schema public] [--tenant-key COL] [-o FILE]`: the
/// schema of a live PostgreSQL as schema YAML (docs/schema.md), to check and compile rules against
/// a CRM database that was not made from rulec's default schema.
///
/// Exit status: 0 pulled (warnings go to stderr), 1 nothing could be pulled (no tables, unknown
/// database schema), 2 usage errors: a bad URL, an unreachable database, an unwritable file.
public struct SchemaPullCommand: Sendable {
    public var databaseURL: String
    public var options: SchemaPullOptions
    /// Where the YAML goes; nil for standard output.
    public var output: String?
    public var renderer: DiagnosticRenderer

    /// - Parameters:
    ///   - dbSchemas: database schemas to pull, each possibly a comma-separated list.
    ///   - tenantKey: the tenant column; `none` for a single-tenant database; nil for `workspace_id`.
    public init(databaseURL: String, dbSchemas: [String] = ["public"], tenantKey: String? = nil, output: String? = nil,
                renderer: DiagnosticRenderer = DiagnosticRenderer()) {
        self.databaseURL = databaseURL
        var schemas = dbSchemas.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
        if schemas.isEmpty { schemas = ["public"] }
        var options = SchemaPullOptions(dbSchemas: schemas)
        if let tenantKey { options.tenantKey = tenantKey == "none" ? nil : tenantKey }
        self.options = options
        self.output = output
        self.renderer = renderer
    }

    public func run() async -> CommandOutput {
        let url: DatabaseURL
        do { url = try DatabaseURL(parsing: databaseURL) } catch {
            return CommandOutput(stderr: "error: \(error.description)\n", status: .usage)
        }
        let result: SchemaPull.Result
        do { result = try await SchemaPull.pull(from: url, options: options) } catch {
            return CommandOutput(stderr: "error: \(error.description)\n", status: .usage)
        }
        var out = CommandOutput(stderr: renderer.report(result.diagnostics, sources: SourceManager()))
        guard let yaml = result.yaml else {
            out.status = .inputErrors
            return out
        }
        if let output {
            do { try yaml.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                out.stderr += "error: cannot write `\(output)`: \(error.localizedDescription)\n"
                out.status = .usage
                return out
            }
            let count = result.schema?.entities.count ?? 0
            out.stderr += "pulled \(count) entit\(count == 1 ? "y" : "ies") from \(url) into \(output)\n"
        } else {
            out.stdout = yaml
        }
        return out
    }

    /// `run()` for synchronous callers (the command line): waits on the calling thread, which must
    /// not be one of Swift concurrency's own threads.
    public func runBlocking() -> CommandOutput {
        let box = OutputBox()
        let done = DispatchSemaphore(value: 0)
        let command = self
        Task.detached {
            box.set(await command.run())
            done.signal()
        }
        done.wait()
        return box.get()
    }
}

/// Hands a command's output from the task that produced it to the waiting thread.
private final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var output = CommandOutput(stderr: "error: the pull did not finish\n", status: .usage)
    func set(_ value: CommandOutput) { lock.lock(); output = value; lock.unlock() }
    func get() -> CommandOutput { lock.lock(); defer { lock.unlock() }; return output }
}
