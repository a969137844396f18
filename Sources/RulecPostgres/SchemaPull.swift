import Foundation
import Logging
import PostgresNIO
import RulecDiagnostics
import RulecSchema

/// `rulec schema pull`: connect, read the catalog, map it to a schema, write it as YAML, and prove
/// that the YAML loads back to the same schema.
public enum SchemaPull {
    /// What a pull produced. `yaml` and `schema` are set when there was no error.
    public struct Result: Sendable {
        public var schema: Schema?
        public var yaml: String?
        /// Warnings for what the schema cannot say; errors when nothing could be pulled.
        public var diagnostics: [Diagnostic]
    }

    /// The database could not be reached or answered with an error: the URL (never the password)
    /// and what the server or the network said.
    public struct ConnectionFailure: Error, Sendable, CustomStringConvertible {
        public var url: DatabaseURL
        public var reason: String
        public var description: String { "cannot read the schema of \(url): \(reason)" }
    }

    /// Pulls the schema of the database at `url`.
    public static func pull(from url: DatabaseURL, options: SchemaPullOptions = SchemaPullOptions()) async throws(ConnectionFailure) -> Result {
        let catalog: CatalogSnapshot
        do {
            catalog = try await withConnection(url) { connection, logger in
                try await SchemaIntrospection.readCatalog(connection, logger: logger)
            }
        } catch {
            throw ConnectionFailure(url: url, reason: describe(error))
        }
        return result(from: catalog, source: url, options: options)
    }

    /// The mapping and writing half of `pull`, for a catalog already read.
    public static func result(from catalog: CatalogSnapshot, source: DatabaseURL?, options: SchemaPullOptions) -> Result {
        let (mapped, mappingDiagnostics) = SchemaIntrospection.schema(from: catalog, options: options)
        var diagnostics = mappingDiagnostics
        guard let mapped else { return Result(schema: nil, yaml: nil, diagnostics: diagnostics) }
        var header = ["The rulec schema of a live database, written by `rulec schema pull`."]
        if let source {
            header.append("Source: \(source), database schema\(options.dbSchemas.count == 1 ? "" : "s") "
                + options.dbSchemas.joined(separator: ", ") + ".")
        }
        header += ["Names, enums and the action catalog may be edited; docs/schema.md describes the format."]
        let yaml = SchemaYAMLWriter.yaml(for: mapped, header: header)

        // INVARIANT: what we write loads back to what we pulled. A difference is a rulec bug,
        // reported rather than written out as a schema that says something else.
        let (loaded, loadDiagnostics) = SchemaLoader.load(yaml: yaml, path: "<pulled schema>", sources: SourceManager())
        let loadErrors = loadDiagnostics.filter { $0.severity == .error }
        if !loadErrors.isEmpty || loaded != mapped {
            let notes = loadErrors.map(\.message)
            diagnostics.append(.error(.pullInternal, "the pulled schema does not load back to itself", at: nil,
                                      notes: notes.isEmpty ? ["the loaded schema differs from the pulled one"] : notes))
            return Result(schema: nil, yaml: nil, diagnostics: diagnostics)
        }
        return Result(schema: mapped, yaml: yaml, diagnostics: diagnostics)
    }

    // MARK: - Connection

    /// A logger that prints nothing: failures reach the user as `ConnectionFailure`.
    static let quietLogger = Logger(label: "rulec.schema-pull", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Opens a connection (unix socket or TCP without TLS), runs `body`, and closes it.
    static func withConnection<T: Sendable>(_ url: DatabaseURL,
                                            _ body: (PostgresConnection, Logger) async throws -> T) async throws -> T {
        let configuration: PostgresConnection.Configuration
        if let socket = url.socketPath {
            configuration = .init(unixSocketPath: socket, username: url.user, password: url.password, database: url.database)
        } else {
            configuration = .init(host: url.host ?? "localhost", port: url.port, username: url.user, password: url.password,
                                  database: url.database, tls: .disable)
        }
        let logger = quietLogger
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let value = try await body(connection, logger)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The server's message (with its SQLSTATE) or the network's, never the URL's password.
    /// (`PSQLError`'s own description is deliberately generic.)
    static func describe(_ error: Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] {
                let state = e.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return "the server said: \(message)\(state)"
            }
            if let underlying = e.underlying { return "\(underlying)" }
            switch e.code {
            case .serverClosedConnection, .clientClosedConnection: return "the server closed the connection"
            case .connectionError: return "the connection failed"
            default: return "\(e.code)"
            }
        }
        return "\(error)"
    }
}
