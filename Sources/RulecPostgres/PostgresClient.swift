import Foundation
import Logging
import PostgresNIO

/// A failure talking to PostgreSQL, with the server's own words when it sent any:
/// `ERROR 23505: duplicate key value violates unique constraint "contacts_pkey" (at character 12)`.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The server's message, or what went wrong on the client side (connect, protocol).
    public var message: String
    /// The SQLSTATE code (`23505`), when the server sent one.
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement, when the server gave one.
    public var position: Int?
    /// Where inside a function the error happened (PL/pgSQL context), when given.
    public var context: String?

    public init(message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
                position: Int? = nil, context: String? = nil) {
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.position = position
        self.context = context
    }

    public var description: String {
        var s = sqlState.map { "ERROR \($0): \(message)" } ?? message
        if let position { s += " (at character \(position))" }
        if let detail { s += "; detail: \(detail)" }
        if let hint { s += "; hint: \(hint)" }
        if let context { s += "; context: \(context.replacingOccurrences(of: "\n", with: " / "))" }
        return s
    }

    /// Turns whatever PostgresNIO threw into a readable error; never crashes on an unknown shape.
    init(_ error: any Error, doing what: String) {
        if let e = error as? PSQLError {
            if let info = e.serverInfo, let message = info[.message] {
                self.init(message: message, sqlState: info[.sqlState], detail: info[.detail], hint: info[.hint],
                          position: info[.position].flatMap { Int($0) }, context: info[.locationContext])
            } else {
                self.init(message: "\(what): \(e.code)" + (e.underlying.map { " (\($0))" } ?? ""))
            }
        } else {
            self.init(message: "\(what): \(error)")
        }
    }
}

/// A single PostgreSQL connection with a synchronous API, for callers that are synchronous (the
/// scenario backend protocol, commands). The network work runs on PostgresNIO's own event loop
/// group, and callers block on a future from their own thread: never on an event loop, so waiting
/// cannot deadlock, also from Swift Testing's cooperative pool.
///
/// Statements go through the simple-query protocol, so one call may hold many statements (a whole
/// migration) and every value comes back as PostgreSQL's text form (or NULL).
public final class BlockingPostgresClient: @unchecked Sendable {
    public let url: DatabaseURL
    private let connection: PostgresConnection
    private var closed = false
    private let lock = NSLock()

    private static let logger: Logger = {
        var l = Logger(label: "rulec.postgres")
        l.logLevel = .critical
        return l
    }()

    /// Connects over the unix socket or TCP that `url` names.
    public init(url: DatabaseURL, connectTimeout: TimeInterval = 10) throws(PostgresError) {
        self.url = url
        var config: PostgresConnection.Configuration
        if let socket = url.socketPath {
            config = .init(unixSocketPath: socket, username: url.user, password: url.password, database: url.database)
        } else {
            config = .init(host: url.host ?? "localhost", port: url.port, username: url.user, password: url.password,
                           database: url.database, tls: .disable)
        }
        config.options.connectTimeout = .seconds(Int64(connectTimeout))
        let future = PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(), configuration: config,
                                                id: 1, logger: Self.logger)
        do {
            connection = try future.wait()
        } catch {
            let e = PostgresError(error, doing: "cannot connect to \(url)")
            throw PostgresError(message: e.sqlState == nil ? e.message : "cannot connect to \(url): \(e.message)", sqlState: e.sqlState)
        }
    }

    deinit {
        if !closed { _ = connection.close() as EventLoopFuture<Void> }
    }

    /// Runs SQL text (one or many statements) and returns the rows of the last result set, each
    /// column as text or nil for NULL.
    @discardableResult
    public func query(_ sql: String) throws(PostgresError) -> [[String?]] {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw PostgresError(message: "the connection to \(url) is closed") }
        do {
            let rows = try connection.simpleQuery(sql).wait()
            return rows.map { row in row.map { cell in cell.bytes.map { String(buffer: $0) } } }
        } catch {
            throw PostgresError(error, doing: "query failed")
        }
    }

    /// Runs SQL text for its effect.
    public func execute(_ sql: String) throws(PostgresError) {
        try query(sql)
    }

    /// The first column of the first row (nil when there is no row or it is NULL).
    public func scalar(_ sql: String) throws(PostgresError) -> String? {
        try query(sql).first?.first ?? nil
    }

    /// Closes the connection; later calls fail with a clear error. Calling it twice is harmless.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        _ = try? connection.close().wait()
    }
}
