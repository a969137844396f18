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
        // PostgresNIO speaks only the extended protocol, one statement per message: split the
        // text as psql does, and run the statements in order on this session.
        let statements = SQLStatementSplitter.split(sql)
        var last: [[String?]] = []
        for (i, statement) in statements.enumerated() {
            do {
                let rows = try connection.simpleQuery(statement).wait()
                if !rows.isEmpty || i == statements.count - 1 {
                    last = rows.map { row in row.map(Self.text) }
                }
            } catch {
                var e = PostgresError(error, doing: "query failed")
                if statements.count > 1 {
                    let head = statement.prefix(120).replacingOccurrences(of: "\n", with: " ")
                    e.message += " (in statement \(i + 1) of \(statements.count): \(head)\(statement.count > 120 ? "…" : ""))"
                }
                throw e
            }
        }
        return last
    }

    /// A cell as PostgreSQL's text form. The extended protocol returns common types (int, bool,
    /// float) in binary; those are decoded and printed as PostgreSQL prints them.
    static func text(_ cell: PostgresCell) -> String? {
        guard let bytes = cell.bytes else { return nil }
        if cell.format == .text { return String(buffer: bytes) }
        // By the column's type first: a lenient String decode must not swallow a binary bool.
        switch cell.dataType {
        case .bool: if let b = try? cell.decode(Bool.self) { return b ? "t" : "f" }
        case .int2, .int4, .int8, .oid: if let i = try? cell.decode(Int64.self) { return String(i) }
        case .float4, .float8: if let d = try? cell.decode(Double.self) { return String(d) }
        case .numeric: if let d = try? cell.decode(Decimal.self) { return d.description }
        default: break
        }
        if let s = try? cell.decode(String.self) { return s }
        if let i = try? cell.decode(Int64.self) { return String(i) }
        if let b = try? cell.decode(Bool.self) { return b ? "t" : "f" }
        if let d = try? cell.decode(Double.self) { return String(d) }
        return String(buffer: bytes)
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

/// Splits SQL text into statements at top-level semicolons, as psql does: not inside '…' or "…"
/// quotes, `$tag$…$tag$` dollar quotes, `--` line comments or `/* */` comments (nested).
public enum SQLStatementSplitter {
    public static func split(_ sql: String) -> [String] {
        let b = Array(sql.utf8)
        var out: [String] = []
        var start = 0, i = 0
        func flush(_ end: Int) {
            let text = String(decoding: b[start..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !isBlank(text) { out.append(text) }
        }
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                i += 1
                while i < b.count {
                    if b[i] == c {
                        if i + 1 < b.count, b[i + 1] == c { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
            case UInt8(ascii: "-") where i + 1 < b.count && b[i + 1] == UInt8(ascii: "-"):
                while i < b.count, b[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "/") where i + 1 < b.count && b[i + 1] == UInt8(ascii: "*"):
                var depth = 0
                while i < b.count {
                    if b[i] == UInt8(ascii: "/"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "*") { depth += 1; i += 2; continue }
                    if b[i] == UInt8(ascii: "*"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "/") {
                        depth -= 1; i += 2
                        if depth == 0 { break }
                        continue
                    }
                    i += 1
                }
            case UInt8(ascii: "$"):
                // A dollar quote `$tag$` (tag: letters, digits, underscores, not starting with a digit).
                var j = i + 1
                while j < b.count, b[j] == UInt8(ascii: "_") || (b[j] >= 0x80) || isAlnum(b[j]) { j += 1 }
                let previous = i > 0 ? b[i - 1] : 0
                let tagOK = j < b.count && b[j] == UInt8(ascii: "$") && !(i + 1 < b.count && isDigit(b[i + 1]))
                    && !(isAlnum(previous) || previous == UInt8(ascii: "_"))
                guard tagOK else { i += 1; continue }
                let tag = Array(b[i...j])
                i = j + 1
                while i < b.count {
                    if b[i] == UInt8(ascii: "$"), i + tag.count <= b.count, Array(b[i..<(i + tag.count)]) == tag { i += tag.count; break }
                    i += 1
                }
            case UInt8(ascii: ";"):
                flush(i)
                i += 1
                start = i
            default:
                i += 1
            }
        }
        if start < b.count { flush(b.count) }
        return out
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 97 && c | 0x20 <= 122) }

    /// Only whitespace and comments.
    private static func isBlank(_ s: String) -> Bool {
        var rest = Substring(s)
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.isEmpty { return true }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                return false
            }
        }
    }
}
