import Foundation
import RulecDiagnostics
import RulecSQL

/// `rulec compile [PATH…] [--schema FILE] [-o FILE | --migrations-dir DIR]`: the rules as one
/// PostgreSQL migration, byte for byte the same for the same input.
public struct CompileCommand {
    public var loader: ProgramLoader
    public var output: String?
    public var migrationsDir: String?
    public var renderer: DiagnosticRenderer
    /// The time used to name a file in `--migrations-dir` (Supabase's `YYYYMMDDHHMMSS_name.sql`).
    public var now: Date

    public init(paths: [String], schemaPath: String? = nil, output: String? = nil, migrationsDir: String? = nil,
                renderer: DiagnosticRenderer = DiagnosticRenderer(), now: Date = Date()) {
        self.loader = ProgramLoader(paths: paths, schemaPath: schemaPath)
        self.output = output
        self.migrationsDir = migrationsDir
        self.renderer = renderer
        self.now = now
    }

    public func run() -> CommandOutput {
        if output != nil && migrationsDir != nil {
            return CommandOutput(stderr: "error: give either -o or --migrations-dir, not both\n", status: .usage)
        }
        let loaded: ProgramLoader.Loaded
        do { loaded = try loader.load() } catch { return CommandOutput(stderr: "error: \(error)\n", status: .usage) }
        var out = CommandOutput(stderr: renderer.render(loaded.diagnostics, sources: loaded.sources))
        guard let program = loaded.program else {
            out.stderr += renderer.report([], sources: loaded.sources)
            out.status = .inputErrors
            return out
        }
        let sql = MigrationCompiler.compile(program)
        var path = output
        if let dir = migrationsDir {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyyMMddHHmmss"
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                return CommandOutput(stderr: "error: cannot create \(dir): \(error.localizedDescription)\n", status: .usage)
            }
            // Never over another migration (one written in the same second may be applied already):
            // the next free second names this one, so the order of migrations stays the order written.
            var at = now
            var candidate = (dir as NSString).appendingPathComponent("\(f.string(from: at))_rulec.sql")
            while FileManager.default.fileExists(atPath: candidate) {
                at = at.addingTimeInterval(1)
                candidate = (dir as NSString).appendingPathComponent("\(f.string(from: at))_rulec.sql")
            }
            path = candidate
        }
        guard let path else {
            out.stdout = sql
            return out
        }
        do { try Data(sql.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            return CommandOutput(stderr: "error: cannot write \(path): \(error.localizedDescription)\n", status: .usage)
        }
        out.stderr += "wrote \(path) (\(program.rules.count) rules)\n"
        return out
    }
}
