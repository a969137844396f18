/// The process exit codes of every command (cedar's and sysexits' spirit).
public enum ExitStatus: Int32, Sendable {
    /// Everything fine.
    case ok = 0
    /// The rules (or schema, or test files) have errors.
    case inputErrors = 1
    /// The command line itself is wrong: unknown flag, missing file.
    case usage = 2
    /// Scenarios ran and some failed.
    case testsFailed = 3
}

/// What a command produced. The executable prints it; tests inspect it without spawning a process.
public struct CommandOutput: Sendable {
    public var stdout: String
    public var stderr: String
    public var status: ExitStatus

    public init(stdout: String = "", stderr: String = "", status: ExitStatus = .ok) {
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
    }
}
