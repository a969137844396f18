import Foundation
import Testing

// A real PostgreSQL 15 for tests, in one self-contained file so other test targets can copy or
// share it. The project's rule: tests that need PostgreSQL fail, never skip, when it is missing.
//
// - Under `scripts/with-postgres.sh` (what `make test` and CI run), the server it started is used:
//   `RULEC_TEST_PGHOST` (a socket directory), `RULEC_TEST_PGPORT`, `RULEC_TEST_PGUSER`.
// - Otherwise the suite starts a throwaway server itself, the same way the script does: `initdb`
//   into a fresh directory under /tmp, `pg_ctl start` on a unix socket in that directory and a
//   random port, no TCP; as root (initdb refuses root) through `runuser -u postgres` (or `nobody`).
//   It is stopped and deleted when the suite ends.
//
// Use: `@Suite(.postgres) struct MyTests { @Test func t() throws { let pg = try TestPostgres.require() … } }`

/// Connection details of a running test server, and the throwaway server's files when it owns one.
final class TestPostgres: Sendable {
    let host: String
    let port: String
    let user: String
    /// Set when this process started the server (and must stop it).
    private let owned: Owned?

    private struct Owned: Sendable {
        var workDir: String
        var dataDir: String
        var runAs: [String]
        var pgCtl: String
    }

    /// The server of the current `.postgres` suite.
    @TaskLocal static var current: TestPostgres?

    /// The current server, or an error saying how to get one: tests fail rather than skip.
    static func require() throws -> TestPostgres {
        guard let current else {
            throw TestPostgresError("no PostgreSQL for this test: mark its suite with `.postgres`")
        }
        return current
    }

    private init(host: String, port: String, user: String, owned: Owned?) {
        self.host = host
        self.port = port
        self.user = user
        self.owned = owned
    }

    /// The server `scripts/with-postgres.sh` started, or a new throwaway one.
    static func start() throws -> TestPostgres {
        let env = ProcessInfo.processInfo.environment
        if let host = env["RULEC_TEST_PGHOST"], !host.isEmpty {
            return TestPostgres(host: host, port: env["RULEC_TEST_PGPORT"] ?? "5432",
                                user: env["RULEC_TEST_PGUSER"] ?? env["USER"] ?? "postgres", owned: nil)
        }
        return try startThrowaway()
    }

    private static func startThrowaway() throws -> TestPostgres {
        let initdb = try binary("initdb"), pgCtl = try binary("pg_ctl")
        var runAs: [String] = []
        var serverUser: String?
        if getuid() == 0 {
            serverUser = (try? run("/usr/bin/id", ["postgres"]))?.status == 0 ? "postgres" : "nobody"
            runAs = ["/usr/sbin/runuser", "-u", serverUser!, "--"]
            if !FileManager.default.isExecutableFile(atPath: runAs[0]) { runAs[0] = "/sbin/runuser" }
        }
        // /tmp, not $TMPDIR: the server user must reach it, and socket paths must stay short.
        let workDir = "/tmp/rulec-pg-" + String(UUID().uuidString.prefix(8)).lowercased()
        let dataDir = workDir + "/data", socketDir = workDir + "/socket"
        try FileManager.default.createDirectory(atPath: socketDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: workDir)
        if let serverUser {
            let chown = try run("/bin/chown", [serverUser, workDir, socketDir])
            guard chown.status == 0 else { throw TestPostgresError("chown failed: \(chown.stderr)") }
        }
        let owned = Owned(workDir: workDir, dataDir: dataDir, runAs: runAs, pgCtl: pgCtl)
        let initResult = try run(runAs + [initdb, "-D", dataDir, "-U", "rulec", "--auth=trust", "--encoding=UTF8",
                                           "--locale=C.UTF-8"])
        guard initResult.status == 0 else {
            try? FileManager.default.removeItem(atPath: workDir)
            throw TestPostgresError("initdb failed (\(initResult.status)):\n\(initResult.stdout)\(initResult.stderr)")
        }
        var lastError = ""
        for _ in 0..<5 {
            let port = String(Int.random(in: 20000..<50000))
            let options = "-c listen_addresses='' -c unix_socket_directories='\(socketDir)' -p \(port) -c fsync=off -c full_page_writes=off"
            let start = try run(runAs + [pgCtl, "-D", dataDir, "-w", "-t", "60", "-l", workDir + "/server.log",
                                         "-o", options, "start"])
            if start.status == 0 {
                return TestPostgres(host: socketDir, port: port, user: "rulec", owned: owned)
            }
            lastError = start.stderr + ((try? String(contentsOfFile: workDir + "/server.log", encoding: .utf8)) ?? "")
        }
        try? FileManager.default.removeItem(atPath: workDir)
        throw TestPostgresError("the throwaway PostgreSQL did not start:\n\(lastError)")
    }

    /// Stops and deletes a throwaway server; leaves a shared one alone.
    func stop() {
        guard let owned else { return }
        _ = try? Self.run(owned.runAs + [owned.pgCtl, "-D", owned.dataDir, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: owned.workDir)
    }

    // MARK: - Running SQL

    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs SQL through `psql` (stopping at the first error) and returns its exit status and output.
    func psql(_ sql: String, database: String = "postgres") throws -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-\(UUID().uuidString).sql").path
        try sql.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try Self.run([try Self.binary("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                             "-h", host, "-p", port, "-U", user, "-d", database, "-f", file])
    }

    /// A fresh, uniquely named database, so tests running in parallel never meet.
    func createDatabase() throws -> String {
        let name = "rulec_test_" + String(UUID().uuidString.prefix(12)).lowercased().replacingOccurrences(of: "-", with: "")
        let r = try psql("CREATE DATABASE \(name);")
        guard r.status == 0 else { throw TestPostgresError("CREATE DATABASE failed: \(r.stderr)") }
        return name
    }

    func dropDatabase(_ name: String) {
        _ = try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE);")
    }

    // MARK: - Processes

    /// `name` from /usr/lib/postgresql/15/bin (Debian), else $PATH.
    static func binary(_ name: String) throws -> String {
        for dir in ["/usr/lib/postgresql/15/bin", "/usr/local/pgsql/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestPostgresError("`\(name)` not found: install PostgreSQL 15 (or run under scripts/with-postgres.sh)")
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        try run([executable] + arguments)
    }

    /// Runs a process to completion; output goes through files, so no pipe can fill up and block.
    ///
    /// posix_spawn and waitpid rather than Foundation's `Process`: on Linux, `Process` learns that
    /// a child ended when a socket it hands down is closed by every descendant, and `pg_ctl start`
    /// leaves a daemon behind that keeps it open, so `waitUntilExit()` would never return.
    static func run(_ argv: [String]) throws -> Result {
        let dir = FileManager.default.temporaryDirectory
        let out = dir.appendingPathComponent("rulec-\(UUID().uuidString).out").path
        let err = dir.appendingPathComponent("rulec-\(UUID().uuidString).err").path
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard spawned == 0 else {
            throw TestPostgresError("cannot run \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, spelt out (the macros are not imported).
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitStatus,
                      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}

struct TestPostgresError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `@Suite(.postgres)`: the suite's tests share one server, started before the first and stopped
/// after the last (even when tests fail).
struct PostgresTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let server = try TestPostgres.start()
        defer { server.stop() }
        try await TestPostgres.$current.withValue(server) { try await function() }
    }
}

extension Trait where Self == PostgresTrait {
    /// A PostgreSQL 15 server for the suite (see TestPostgres).
    static var postgres: Self { PostgresTrait() }
}
