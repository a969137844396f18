import Foundation

extension DatabaseURL {
    /// The server the tests and `rulec test --backend postgres` use when no URL is given:
    /// `RULEC_TEST_PGHOST`/`PORT`/`USER` (exported by scripts/with-postgres.sh), else libpq's
    /// `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD`; the `postgres` maintenance database unless
    /// `PGDATABASE` says otherwise. Nil when neither names a host: there is no server to use.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> DatabaseURL? {
        func get(_ name: String) -> String? {
            for key in ["RULEC_TEST_" + name, name] { if let v = env[key], !v.isEmpty { return v } }
            return nil
        }
        guard let host = get("PGHOST") else { return nil }
        let port = get("PGPORT").flatMap { Int($0) } ?? 5432
        let user = get("PGUSER") ?? env["USER"] ?? "postgres"
        let database = env["RULEC_TEST_PGDATABASE"] ?? env["PGDATABASE"] ?? "postgres"
        if host.hasPrefix("/") {
            return DatabaseURL(user: user, password: env["PGPASSWORD"], socketDirectory: host, port: port, database: database)
        }
        return DatabaseURL(user: user, password: env["PGPASSWORD"], host: host, port: port, database: database)
    }

    /// What to tell someone who has no server configured.
    public static let missingServerHelp =
        "no PostgreSQL server: pass --database-url postgres://USER@HOST:PORT/postgres, or set PGHOST/PGPORT/PGUSER "
        + "(RULEC_TEST_PGHOST/PGPORT/PGUSER), or run the tests through `make test` / scripts/with-postgres.sh, which start one"
}
