import Foundation
import Logging
import RulecPostgres

/// `rulec jobs retry --dead`: puts dead jobs back to pending (attempts 0, due now); their
/// last error stays until the next attempt overwrites it.
public struct JobsRetryCommand {
    public var databaseURL: String
    public var dead: Bool

    public init(databaseURL: String, dead: Bool) {
        self.databaseURL = databaseURL
        self.dead = dead
    }

    public func run() -> CommandOutput {
        guard dead else {
            return CommandOutput(stderr: "error: say which jobs to retry\nhelp: `rulec jobs retry --dead` retries every dead job\n", status: .usage)
        }
        let url: DatabaseURL
        do { url = try DatabaseURL(parsing: databaseURL) } catch {
            return CommandOutput(stderr: "error: \(error.description)\n", status: .usage)
        }
        var logger = Logger(label: "rulec.jobs", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        switch blockingRun({ [logger] in try await JobsMaintenance.retryDead(database: url, logger: logger) }) {
        case .success(let n):
            return CommandOutput(stdout: "\(n) dead job\(n == 1 ? "" : "s") back to pending\n")
        case .failure(let error):
            return CommandOutput(stderr: "error: \(error)\n", status: .inputErrors)
        }
    }
}
