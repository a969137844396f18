import Foundation

/// Where a relay delivers jobs: BullMQ queues in a Redis, or an HTTP queue service.
public enum RelayDestination: Sendable, Equatable, CustomStringConvertible {
    /// `redis://[:PASSWORD@]HOST:PORT[/DB]`
    case redis(host: String, port: Int, database: Int, password: String?)
    /// `http(s)://…`: every job is POSTed there as JSON.
    case http(URL)

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(Invalid) {
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased() else {
            throw Invalid(description: "not a destination URL: `\(text)` (expected redis://HOST:PORT[/DB] or http(s)://…)")
        }
        switch scheme {
        case "redis":
            guard let host = c.host, !host.isEmpty else { throw Invalid(description: "`\(text)` names no host") }
            var path = c.path
            if path.hasPrefix("/") { path.removeFirst() }
            guard let database = path.isEmpty ? 0 : Int(path), database >= 0 else {
                throw Invalid(description: "`\(text)`: the database must be a number, as in redis://localhost:6379/0")
            }
            self = .redis(host: host, port: c.port ?? 6379, database: database, password: c.password?.removingPercentEncoding)
        case "http", "https":
            guard let url = c.url, c.host?.isEmpty == false else { throw Invalid(description: "`\(text)` names no host") }
            self = .http(url)
        default:
            throw Invalid(description: "unsupported destination scheme `\(scheme)`: use redis:// or http(s)://")
        }
    }

    /// For logs: never prints a password.
    public var description: String {
        switch self {
        case .redis(let host, let port, let database, _): return "redis://\(host):\(port)/\(database)"
        case .http(let url):
            var c = URLComponents(url: url, resolvingAgainstBaseURL: false)
            c?.password = nil
            c?.user = nil
            return c?.string ?? "http"
        }
    }
}

/// Durations on the command line: `500ms`, `30s`, `5m`, `2h`, `7d` (a bare number is seconds).
public enum RelayDuration {
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400), ("w", 604800)]
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, seconds) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count)
            if let n = Double(number), n >= 0, n.isFinite { return .milliseconds(Int64((n * seconds * 1000).rounded())) }
        }
        if let n = Double(t), n >= 0, n.isFinite { return .milliseconds(Int64((n * 1000).rounded())) }
        return nil
    }
}

extension Duration {
    /// Whole milliseconds (rounded down).
    var milliseconds: Int64 {
        let (s, attos) = components
        return s * 1000 + attos / 1_000_000_000_000_000
    }
}
