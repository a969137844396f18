import Foundation
import RulecDiagnostics
import RulecDriver
import RulecInterpreter
import RulecPostgres
import RulecScenario
import RulecSchema
import RulecSemantics
import RulecSyntax
import Testing

/// The PostgreSQL server the tests use (scripts/with-postgres.sh exports RULEC_TEST_PG*). These
/// tests fail, never skip, without one: CI must not pass by testing nothing.
struct NoServer: Error, CustomStringConvertible {
    var description: String {
        "RulecPostgresTests need a PostgreSQL server: run them via `make test` (scripts/with-postgres.sh starts one), "
            + "or set RULEC_TEST_PGHOST/RULEC_TEST_PGPORT/RULEC_TEST_PGUSER (or PGHOST/PGPORT/PGUSER)"
    }
}

func testServer() throws -> DatabaseURL {
    guard let url = DatabaseURL.fromEnvironment() else {
        Issue.record(Comment(rawValue: NoServer().description))
        throw NoServer()
    }
    return url
}

/// The repository root (this file is Tests/RulecPostgresTests/Support.swift).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

struct LoadFailure: Error, CustomStringConvertible { var description: String }

/// A checked program from rule text (default schema).
func program(_ text: String) throws -> CheckedProgram {
    let sources = SourceManager()
    _ = sources.add(SourceFile(path: "test.crmrule", bytes: Array(text.utf8)))
    let (tree, syntax) = Parser.parse(sources)
    let (p, diagnostics) = Checker.check(tree, schema: .defaultCRM, sources: sources)
    let errors = (syntax + diagnostics).filter { $0.severity == .error }
    guard let p, errors.isEmpty else {
        throw LoadFailure(description: "rules do not check: " + errors.map(\.message).joined(separator: "; "))
    }
    return p
}

/// One job record as text with every field, params in canonical form, for comparing backends.
func fullRecord(_ j: JobRecord) -> String {
    // As canonical JSON: a list and a json document of the same shape, or 5 and 5.0, are the same param.
    let params = j.params.map { "\($0.name)=\(ValueConverter.canonicalJSON(ValueConverter.jsonText($0.value)))" }.joined(separator: ", ")
    return "workspace=\(j.workspaceId ?? "null") rule=\(j.rule) action=\(j.action ?? "null") entity=\(j.entity)/\(j.entityId) "
        + "params={\(params)} status=\(j.status.rawValue) run_at=\(Timestamps.format(j.runAt)) priority=\(j.priority.rawValue) "
        + "key=\(j.idempotencyKey)"
}

/// Rows of an entity as text, sorted by key, every field in canonical form.
func fullRows(_ backend: any ScenarioBackend, _ entity: Entity) -> [String] {
    backend.rows(entity.name).map { row in
        entity.fields.map { "\($0.name)=\(ValueConverter.canonical(row[$0.name] ?? .null))" }.joined(separator: " ")
    }.sorted()
}

/// The differences between two lists of lines, for messages: the first position where they part.
func firstDifference(_ a: [String], _ b: [String], names: (String, String) = ("interpreter", "postgres")) -> String? {
    if a == b { return nil }
    var out = "\(names.0) has \(a.count), \(names.1) has \(b.count)\n"
    for i in 0..<max(a.count, b.count) {
        let x = i < a.count ? a[i] : "(none)", y = i < b.count ? b[i] : "(none)"
        if x != y {
            out += "first difference at \(i + 1):\n  \(names.0): \(x)\n  \(names.1): \(y)\n"
            break
        }
    }
    out += "\(names.0):\n" + a.map { "  \($0)\n" }.joined() + "\(names.1):\n" + b.map { "  \($0)\n" }.joined()
    return out
}

/// Remembers the backend a factory made last, to read its rows after the runner is done.
final class Capture: @unchecked Sendable {
    var backend: (any ScenarioBackend)?
    func wrap(_ f: @escaping ScenarioBackendFactory) -> ScenarioBackendFactory {
        { [self] program, settings, now throws(BackendError) in
            let b = try f(program, settings, now)
            backend = b
            return b
        }
    }
}
