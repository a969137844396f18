import Foundation

/// A PostgreSQL connection string: `postgres://user:password@host:port/database`, with a unix
/// socket directory given as `?host=/path` (libpq's convention) or as a percent-encoded host.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    /// A hostname, or nil when `socketDirectory` is used.
    public var host: String?
    public var socketDirectory: String?
    public var port: Int
    public var database: String

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(user: String, password: String? = nil, host: String? = nil, socketDirectory: String? = nil, port: Int = 5432, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.socketDirectory = socketDirectory
        self.port = port
        self.database = database
    }

    public init(parsing text: String) throws(Invalid) {
        guard let c = URLComponents(string: text), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw Invalid(description: "not a PostgreSQL URL: `\(text)` (expected postgres://USER@HOST:PORT/DATABASE)")
        }
        let query = Dictionary((c.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        user = c.user ?? query["user"] ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        password = c.password ?? query["password"]
        if let p = query["port"], Int(p) == nil {
            throw Invalid(description: "the port `\(p)` in `\(text)` is not a number")
        }
        port = c.port ?? Int(query["port"] ?? "") ?? 5432
        guard (1...65535).contains(port) else {
            throw Invalid(description: "the port \(port) in `\(text)` is out of range (1 to 65535)")
        }
        var db = c.path
        if db.hasPrefix("/") { db.removeFirst() }
        database = db.isEmpty ? (query["dbname"] ?? user) : db
        let hostParam = query["host"] ?? c.host.flatMap { $0.removingPercentEncoding }
        if let h = hostParam, h.hasPrefix("/") {
            socketDirectory = h
            host = nil
        } else {
            host = hostParam?.isEmpty == false ? hostParam : "localhost"
            socketDirectory = nil
        }
    }

    /// The unix socket file for a socket directory: `DIR/.s.PGSQL.PORT`.
    public var socketPath: String? { socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } }

    /// For messages: never prints the password.
    public var description: String {
        guard let socketDirectory else { return "postgres://\(user)@\(host ?? "localhost"):\(port)/\(database)" }
        return "postgres://\(user)@localhost:\(port)/\(database)?host=\(socketDirectory)"
    }
}
