import RulecPostgres

/// `rulec status --database-url URL`: the deployed rules with their source hashes, jobs by
/// status, pending and due timers, and the oldest pending job (`StatusReport`). Exit status: 0,
/// 1 when nothing is deployed there or the database cannot be read, 2 for a malformed URL.
public struct StatusCommand {
    public var databaseURL: String

    public init(databaseURL: String) {
        self.databaseURL = databaseURL
    }

    public func run() -> CommandOutput {
        let url: DatabaseURL
        do { url = try DatabaseURL(parsing: databaseURL) } catch {
            return CommandOutput(stderr: "error: \(error)\n", status: .usage)
        }
        do {
            let client = try BlockingPostgresClient(url: url)
            defer { client.close() }
            switch try StatusReport.read(client) {
            case .success(let report): return CommandOutput(stdout: report.render())
            case .failure(let missing):
                return CommandOutput(stderr: "error: \(missing)\n  = help: deploy rules first: `rulec deploy --database-url URL rules/`\n",
                                     status: .inputErrors)
            }
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", status: .inputErrors)
        }
    }
}
