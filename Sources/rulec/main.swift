import ArgumentParser
import Foundation
import RulecDiagnostics
import RulecDriver
import RulecSchema

/// The `rulec` command line: argument parsing only. Every command is a `RulecDriver` call.
@main
struct Rulec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rulec",
        abstract: "Compile, check and test .crmrule automations for Supabase/PostgreSQL CRMs.",
        version: rulecVersion,
        subcommands: [Compile.self, Check.self, Test.self, Run.self, Format.self, Parse.self, SchemaGroup.self, Explain.self, Deploy.self, Status.self, Relay.self, Jobs.self]
    )

    /// As `ParsableCommand.main()`, but a usage error (an unknown flag, a bad option value) exits 2,
    /// the status every command documents, rather than ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// Options shared by commands that print diagnostics.
struct DiagnosticOptions: ParsableArguments {
    @Option(name: .long, help: "Diagnostic format: text or json.")
    var format: DiagnosticRenderer.Format = .text

    /// Colour only on a terminal, never with NO_COLOR set (https://no-color.org).
    var renderer: DiagnosticRenderer {
        let tty = isatty(STDERR_FILENO) != 0
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return DiagnosticRenderer(format: format, color: format == .text && tty && !noColor)
    }
}

extension DiagnosticRenderer.Format: ExpressibleByArgument {}
extension TestCommand.BackendKind: ExpressibleByArgument {}

/// Prints a command's output and exits with its status.
func finish(_ output: CommandOutput) throws -> Never {
    FileHandle.standardOutput.write(Data(output.stdout.utf8))
    FileHandle.standardError.write(Data(output.stderr.utf8))
    throw ExitCode(output.status.rawValue)
}

struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse rule files and report syntax errors.")

    @Argument(help: "Rule files, or directories holding .crmrule files.")
    var paths: [String]

    @Flag(name: .long, help: "Print the syntax tree as S-expressions.")
    var dumpAst = false

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(ParseCommand(paths: paths, dumpAST: dumpAst, renderer: diagnostics.renderer).run())
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse and type-check rule files against the CRM schema.")

    @Argument(help: "Rule files, or directories holding .crmrule files.")
    var paths: [String]

    @Option(name: .long, help: "Schema YAML file (default: the embedded CRM schema).")
    var schema: String?

    @Flag(name: .long, help: "Print the typed program.")
    var dumpTyped = false

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(CheckCommand(paths: paths, schemaPath: schema, dumpTyped: dumpTyped, renderer: diagnostics.renderer).run())
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the long explanation of a diagnostic code, e.g. R1011.")

    @Argument(help: "A diagnostic code such as R1011.")
    var code: String

    func run() throws {
        try finish(ExplainCommand(code: code).run())
    }
}

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the scenarios of *.test.yaml files on the interpreter or on PostgreSQL.",
        discussion: "Exit status: 0 all passed, 3 some failed, 1 invalid rules or test files, 2 usage errors.")

    @Argument(help: "Directories (every .crmrule is the program, every *.test.yaml is run), rule files or test files. Default: the current directory.")
    var paths: [String] = []

    @Option(name: .long, help: "Where the rules are (file or directory; repeatable), instead of the .crmrule files under PATHs.")
    var rules: [String] = []

    @Option(name: .long, help: "Schema YAML file (default: the embedded CRM schema).")
    var schema: String?

    @Option(name: .long, help: "Only scenarios whose name contains this text.")
    var filter: String?

    @Option(name: .long, help: "Where scenarios run: interpreter or postgres (a scratch database per rule set, the compiled migration).")
    var backend: TestCommand.BackendKind = .interpreter

    @Option(name: .long, help: "PostgreSQL server for --backend postgres (postgres://USER@HOST:PORT/DB, ?host=/socket/dir); default from PGHOST/PGPORT/PGUSER.")
    var databaseUrl: String?

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        if databaseUrl != nil && backend != .postgres {
            try finish(CommandOutput(stderr: "error: --database-url needs --backend postgres\n", status: .usage))
        }
        try finish(TestCommand(paths: paths, rulesPaths: rules, schemaPath: schema, format: diagnostics.format,
                               filter: filter, renderer: diagnostics.renderer, backendKind: backend, databaseURL: databaseUrl).run())
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the rules over a JSONL change stream (Supabase webhook shape) and print one JSON job a line.",
        discussion: "Malformed lines are reported on stderr with their line number and skipped; a summary ends stderr.")

    @Argument(help: "Rule files, or directories holding .crmrule files. Default: the current directory.")
    var paths: [String] = []

    @Option(name: .long, help: "Where the rules are (file or directory; repeatable); added to PATHS.")
    var rules: [String] = []

    @Option(name: .long, help: "Schema YAML file (default: the embedded CRM schema).")
    var schema: String?

    @Option(name: [.customLong("events"), .customLong("input")], help: "The JSONL event stream, or - for standard input.")
    var events: String = "-"

    @Option(name: .long, help: "After the stream, advance the clock to this ISO 8601 time so that due timers fire.")
    var until: String?

    @Flag(name: .long, help: "On stderr, for each line: its changes, the rules considered and why each fired or not.")
    var explain = false

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        let command = RunCommand(paths: paths + rules, schemaPath: schema, input: events, until: until, explain: explain,
                                 renderer: diagnostics.renderer)
        let out = BufferedWriter(fd: STDOUT_FILENO), err = BufferedWriter(fd: STDERR_FILENO)
        // Jobs before the message about a later line: stdout is flushed before each stderr write.
        let status = command.run(output: out, writeError: { out.flush(); err.write($0); err.flush() })
        out.flush()
        throw ExitCode(status.rawValue)
    }
}

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compile rules into one PostgreSQL migration of plpgsql triggers.")

    @Argument(help: "Rule files, or directories holding .crmrule files (default: rules/).")
    var paths: [String] = ["rules"]

    @Option(name: .long, help: "Schema YAML file (default: the embedded CRM schema).")
    var schema: String?

    @Option(name: .shortAndLong, help: "Write the migration to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: "Write a timestamped migration into this directory (e.g. supabase/migrations).")
    var migrationsDir: String?

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(CompileCommand(paths: paths, schemaPath: schema, output: output, migrationsDir: migrationsDir,
                                  renderer: diagnostics.renderer).run())
    }
}

struct SchemaGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Show the CRM schema, or print its PostgreSQL DDL.",
        subcommands: [SchemaShow.self, SchemaDDL.self, SchemaPull.self])
}

struct SchemaShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the schema rules are checked against.")

    @Option(name: .long, help: "Schema YAML file (default: the embedded CRM schema).")
    var schema: String?

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(SchemaCommand(schemaPath: schema, mode: .show, renderer: diagnostics.renderer).run())
    }
}

struct SchemaDDL: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ddl", abstract: "Print CREATE TABLE statements for PostgreSQL 15.")

    @Option(name: .long, help: "Schema YAML file (default: the embedded CRM schema).")
    var schema: String?

    @Option(name: .long, help: "SQL expression for `default: now` columns (tests use the rulec test clock).")
    var clock: String = "now()"

    @Flag(name: .long, help: "Store enums as PostgreSQL enum types instead of text with CHECK constraints.")
    var enumTypes = false

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        let options = DDLOptions(clockExpression: clock, enumStyle: enumTypes ? .enumType : .checkConstraint)
        try finish(SchemaCommand(schemaPath: schema, mode: .ddl(options), renderer: diagnostics.renderer).run())
    }
}

struct Format: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fmt", abstract: "Rewrite rule files in the canonical layout (`-` for stdin).")

    @Argument(help: "Rule files or directories; `-` reads standard input and writes standard output.")
    var paths: [String]

    @Flag(name: .long, help: "Change nothing; list files that are not formatted and exit 1.")
    var check = false

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(FormatCommand(paths: paths, check: check, renderer: diagnostics.renderer).run())
    }
}

struct Deploy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy rules into a live PostgreSQL: plan, check the live schema, apply in one transaction.",
        discussion: "Exit status: 0 deployed (or dry run passed), 1 rule errors, missing tables or columns, or a database error (nothing changed), 2 usage errors.")

    @Argument(help: "Rule files, or directories holding .crmrule files (default: rules/).")
    var paths: [String] = ["rules"]

    @Option(name: .long, help: "PostgreSQL URL: postgres://USER[:PASSWORD]@HOST:PORT/DATABASE (a socket directory as ?host=/path).")
    var databaseUrl: String

    @Option(name: .long, help: "Schema YAML file (default: the embedded CRM schema).")
    var schema: String?

    @Flag(name: .long, help: "Print the plan and the live-schema check; change nothing.")
    var dryRun = false

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(DeployCommand(paths: paths, schemaPath: schema, databaseURL: databaseUrl, dryRun: dryRun,
                                 renderer: diagnostics.renderer).run())
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show deployed rules, jobs by status, timers and the oldest pending job of a database.")

    @Option(name: .long, help: "PostgreSQL URL: postgres://USER[:PASSWORD]@HOST:PORT/DATABASE (a socket directory as ?host=/path).")
    var databaseUrl: String

    func run() throws {
        try finish(StatusCommand(databaseURL: databaseUrl).run())
    }
}

struct Relay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deliver due jobs from the outbox (rulec.jobs) to BullMQ in Redis or to an HTTP queue service.",
        discussion: """
            Runs until SIGINT/SIGTERM (finishing deliveries in flight, releasing its claims), or with --once until \
            nothing is due. Any number of relays can share one outbox. Durations: 500ms, 30s, 5m, 2h, 7d. \
            Exit status: 0 after a clean stop, 1 when the database cannot be used, 2 usage errors.
            """)

    @Option(name: .long, help: "The database with the outbox (postgres://USER@HOST:PORT/DB, ?host=/socket/dir).")
    var databaseUrl: String

    @Option(name: .long, help: "redis://HOST:PORT[/DB] (BullMQ queues) or http(s)://URL (a POST of JSON per job).")
    var to: String

    @Option(name: .long, help: "HTTP requests in flight at once.")
    var concurrency: Int = 16

    @Option(name: .long, help: "Jobs claimed at a time.")
    var batch: Int = 100

    @Option(name: .long, help: "Failed deliveries before a job is dead.")
    var maxAttempts: Int = 10

    @Option(name: .long, help: "Delete delivered jobs older than this.")
    var retention: String = "7d"

    @Option(name: .long, help: "How often to call rulec.tick() (when pg_cron is not installed) and delete old jobs.")
    var tickInterval: String = "30s"

    @Option(name: .long, help: "How long a claim lasts; a relay that dies holds its jobs at most this long.")
    var lease: String = "60s"

    @Option(name: .long, help: "How long to wait when no job is due.")
    var pollInterval: String = "100ms"

    @Option(name: .long, help: "The first retry delay; it doubles per attempt, with jitter.")
    var backoffBase: String = "1s"

    @Option(name: .long, help: "The longest retry delay.")
    var backoffCap: String = "1h"

    @Option(name: .long, help: "Timeout of one HTTP request or one Redis round trip.")
    var timeout: String = "10s"

    @Option(name: .long, help: "How often the counters are logged.")
    var statsInterval: String = "60s"

    @Option(name: .long, help: "trace, debug (one line per delivered job), info, notice, warning, error.")
    var logLevel: String = "info"

    @Flag(name: .long, help: "Deliver what is due now, then exit.")
    var once = false

    func run() throws {
        try finish(RelayCommand(databaseURL: databaseUrl, to: to, concurrency: concurrency, batch: batch,
                                maxAttempts: maxAttempts, retention: retention, tickInterval: tickInterval, lease: lease,
                                pollInterval: pollInterval, backoffBase: backoffBase, backoffCap: backoffCap,
                                timeout: timeout, statsInterval: statsInterval, once: once, logLevel: logLevel).run())
    }
}

struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Act on jobs in the outbox.", subcommands: [JobsRetry.self])
}

struct JobsRetry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Put dead jobs back to pending (attempts 0, due now).")

    @Flag(name: .long, help: "Retry every dead job.")
    var dead = false

    @Option(name: .long, help: "The database with the outbox (postgres://USER@HOST:PORT/DB, ?host=/socket/dir).")
    var databaseUrl: String

    func run() throws {
        try finish(JobsRetryCommand(databaseURL: databaseUrl, dead: dead).run())
    }
}

struct SchemaPull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Write the schema of a live PostgreSQL database as schema YAML.",
        discussion: "Exit status: 0 pulled (warnings on stderr), 1 nothing to pull, 2 bad URL or unreachable database.")

    @Option(name: .long, help: "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (a socket directory as ?host=/dir).")
    var databaseUrl: String

    @Option(name: .long, help: "Database schema to pull (repeatable or comma-separated; default: public).")
    var dbSchema: [String] = []

    @Option(name: .long, help: "The tenant column (default: workspace_id); `none` for a single-tenant database.")
    var tenantKey: String?

    @Option(name: .shortAndLong, help: "Write the YAML to this file instead of standard output.")
    var output: String?

    @OptionGroup var diagnostics: DiagnosticOptions

    func run() throws {
        try finish(SchemaPullCommand(databaseURL: databaseUrl, dbSchemas: dbSchema, tenantKey: tenantKey, output: output,
                                     renderer: diagnostics.renderer).runBlocking())
    }
}
