import RulecDiagnostics
import RulecInterpreter
import RulecScenario
import RulecSemantics

/// `rulec run [PATHS…] [--rules PATH] [--schema FILE] [--events FILE|-] [--until TIMESTAMP]`
/// (LANGUAGE.md §9): runs the program over a JSONL change stream in the Supabase webhook shape and
/// writes one JSON job record a line (docs/jobs.md).
///
/// The stream is read line by line and the engine's records are drained after each line, so memory
/// is bounded by the world state, never by the stream's length. A malformed line (or one the engine
/// refuses) is reported on stderr with its line number, counted, and skipped; the stream goes on.
/// At the end a summary goes to stderr. Exit status: 0 when the stream was processed (malformed
/// lines are reported and counted, not failures of the run), 1 when the rules are invalid, 2 for
/// usage errors (an unreadable input, a bad `--until`).
public struct RunCommand {
    public var loader: ProgramLoader
    /// A path, or `-` for standard input.
    public var input: String
    /// After the last line, advance the clock here so that timers due by then fire.
    public var until: String?
    public var renderer: DiagnosticRenderer
    /// `--explain`: for each line, on stderr, the changes it made, the rules considered and why
    /// each fired or not, with the values their triggers and conditions saw.
    public var explain: Bool

    public init(paths: [String], schemaPath: String? = nil, input: String = "-", until: String? = nil,
                explain: Bool = false, renderer: DiagnosticRenderer = DiagnosticRenderer()) {
        self.loader = ProgramLoader(paths: paths.isEmpty ? ["."] : paths, schemaPath: schemaPath)
        self.input = input
        self.until = until
        self.explain = explain
        self.renderer = renderer
    }

    /// What one run counted; the summary line is made of it.
    public struct Counts: Sendable, Equatable {
        public var lines = 0
        public var events = 0
        public var malformed = 0
        public var refused = 0
        public var jobs: [JobStatus: Int] = [:]
        public var totalJobs: Int { jobs.values.reduce(0, +) }

        /// `1200 lines, 1195 events, 340 jobs (pending 300, suppressed 40), 3 malformed, 2 refused`
        public var summary: String {
            var s = "\(lines) line\(lines == 1 ? "" : "s"), \(events) event\(events == 1 ? "" : "s"), \(totalJobs) job\(totalJobs == 1 ? "" : "s")"
            let byStatus = JobStatus.allCases.compactMap { st in jobs[st].map { "\(st.rawValue) \($0)" } }
            if !byStatus.isEmpty { s += " (" + byStatus.joined(separator: ", ") + ")" }
            return s + ", \(malformed) malformed, \(refused) refused"
        }
    }

    /// Reads `input` from the file system (or standard input), streaming jobs to `writeJob` and
    /// messages to `writeError` as they come. Returns the exit status.
    public func run(writeJob: (String) -> Void, writeError: (String) -> Void) -> ExitStatus {
        guard let source = FileLineSource(path: input) else {
            writeError("error: cannot read the event stream `\(input)`\n")
            return .usage
        }
        var s: any LineSource = source
        return run(lines: &s, inputName: input == "-" ? "<stdin>" : input, writeJob: writeJob, writeError: writeError).status
    }

    /// `run(writeJob:writeError:)` with each job line appended to `output` as bytes, made there
    /// (no string per job): what the `rulec run` command does.
    public func run(output: BufferedWriter, writeError: (String) -> Void) -> ExitStatus {
        guard let source = FileLineSource(path: input) else {
            writeError("error: cannot read the event stream `\(input)`\n")
            return .usage
        }
        var s: any LineSource = source
        return run(lines: &s, inputName: input == "-" ? "<stdin>" : input, emit: { job in
            output.write { out in
                JobFormat.append(job, to: &out)
                out.append(0x0A)
            }
        }, writeError: writeError).status
    }

    /// Runs over in-memory text and collects everything, for tests.
    public func run(text: String) -> CommandOutput {
        var out = CommandOutput()
        var s: any LineSource = TextLineSource(text)
        out.status = run(lines: &s, inputName: "<input>", writeJob: { out.stdout += $0 }, writeError: { out.stderr += $0 }).status
        return out
    }

    /// The stream loop over any line source.
    public func run(lines: inout any LineSource, inputName: String, writeJob: (String) -> Void,
                    writeError: (String) -> Void) -> (status: ExitStatus, counts: Counts) {
        run(lines: &lines, inputName: inputName, emit: { writeJob(JobFormat.json($0) + "\n") }, writeError: writeError)
    }

    /// The stream loop, handing each job record to `emit` as it is made.
    private func run(lines: inout any LineSource, inputName: String, emit: (JobRecord) -> Void,
                     writeError: (String) -> Void) -> (status: ExitStatus, counts: Counts) {
        // The engine keeps `writeError` for `--explain` only while the loop runs.
        withoutActuallyEscaping(writeError) { writeError in
            loop(lines: &lines, inputName: inputName, emit: emit, writeError: writeError)
        }
    }

    private func loop(lines: inout any LineSource, inputName: String, emit: (JobRecord) -> Void,
                      writeError: @escaping (String) -> Void) -> (status: ExitStatus, counts: Counts) {
        var counts = Counts()
        let json = renderer.format == .json
        /// A message about a line of the stream: `file:line: error[CODE]: …`, or with `--format json`
        /// one JSON object a line, in the keys of the diagnostics' JSON.
        func lineError(_ code: DiagnosticCode, _ message: String, line: Int?) -> String {
            guard json else { return "\(line.map { "\(inputName):\($0): " } ?? "")error[\(code.id)]: \(message)\n" }
            let at = line.map { #","file":\#(ValueFormatting.json(.text(inputName))),"line":\#($0)"# } ?? ""
            return #"{"code":"\#(code.id)","severity":"error"\#(at),"message":\#(ValueFormatting.json(.text(message)))}"# + "\n"
        }
        let loaded: ProgramLoader.Loaded
        do { loaded = try loader.load() } catch {
            writeError("error: \(error)\n")
            return (.usage, counts)
        }
        let report = renderer.report(loaded.diagnostics, sources: loaded.sources)
        if !report.isEmpty { writeError(report) }
        guard let program = loaded.program else { return (.inputErrors, counts) }
        var untilTime: Int64?
        if let until {
            guard let t = Timestamps.parse(until) else {
                writeError("error: `--until \(until)` is not an ISO 8601 timestamp (e.g. 2026-11-24T09:00:00Z)\n")
                return (.usage, counts)
            }
            untilTime = t
        }

        // Columns no rule reads are validated, not made into values.
        let decoder = StreamDecoder(schema: program.schema, readColumns: ReadColumns.of(program))
        // The clock starts at the first change's commit time (or the epoch when lines carry none).
        var engine: Engine?
        // The tenant key's slot of each entity whose tenant key may not be null: a line that would
        // leave it null makes jobs of no workspace, so it is refused (LANGUAGE.md §7).
        let requiredTenant: [Int?] = program.schema.entities.map { e in
            e.tenantKey.flatMap { t in e.fields.firstIndex { $0.name == t && !$0.nullable } }
        }
        // Rows the world is known to hold, by entity: an update or delete of another row first seeds
        // its `old_record`, since the stream may start after the row was made.
        var known: [Set<String>] = Array(repeating: [], count: program.schema.entities.count)

        func drain(_ engine: Engine) {
            for job in engine.takeJobs() {
                counts.jobs[job.status, default: 0] += 1
                emit(job)
            }
        }

        while let line = lines.nextLine() {
            counts.lines += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let change: StreamChange
            // The decoder asks about an UPDATE's row; the answer is kept for `isKnown` below, so
            // the row's key is hashed once a line, not twice.
            var answered: (position: Int, id: String, known: Bool)?
            do {
                change = try decoder.decode(line, oldRecordNeeded: { position, id in
                    let k = known[position].contains(id)
                    answered = (position, id, k)
                    return !k
                })
            } catch {
                counts.malformed += 1
                writeError(lineError(error.code, error.message, line: counts.lines))
                continue
            }
            let e = engine ?? Engine(program: program, clock: change.at ?? 0)
            if engine == nil, explain { e.explain = { writeError("  \($0)\n") } }
            engine = e
            if explain { writeError("\(inputName):\(counts.lines):\n") }
            let isKnown: Bool
            if change.kind == .insert { isKnown = false }
            else if let a = answered, a.position == change.position, a.id == change.id { isKnown = a.known }
            else { isKnown = known[change.position].contains(change.id) }
            if let slot = requiredTenant[change.position] {
                // Inserts and updates carry the whole row; a delete needs it only for a row the run
                // has not seen (Supabase sends just the key unless the table has REPLICA IDENTITY FULL).
                let row = change.kind == .delete ? (isKnown ? nil : change.oldValues ?? []) : change.values
                let value: Value?? = row.map { slot < $0.count ? $0[slot] : nil }
                let missing = change.kind == .update ? value == .some(.some(.null)) : (value.map { $0 == nil || $0 == .null } ?? false)
                if missing {
                    let entity = program.schema.entities[change.position]
                    counts.refused += 1
                    writeError(lineError(.scenarioEventRefused, "the \(change.kind.rawValue) of `\(change.entity)` `\(change.id)` was refused: "
                               + "its tenant key `\(entity.tenantKey ?? "")` is missing or null"
                               + (change.kind == .delete ? " (a row the run has not seen needs its whole `old_record`: give the table REPLICA IDENTITY FULL)" : ""),
                               line: counts.lines))
                    continue
                }
            }
            if change.kind != .insert, !isKnown, let old = change.oldValues {
                // A refusal means the engine holds the row already (made by a data action): fine.
                try? e.seed(entity: change.position, values: old)
            }
            do {
                try e.apply(change.positionalEvent, at: change.at.map { max($0, e.clock) })
                counts.events += 1
                switch change.kind {
                // Mutated in place: a copy of the set per line would cost the world's size each time.
                case .insert, .update: if !isKnown { known[change.position].insert(change.id) }
                case .delete: known[change.position].remove(change.id)
                }
            } catch {
                counts.refused += 1
                writeError(lineError(.scenarioEventRefused, "the \(change.kind.rawValue) of `\(change.entity)` `\(change.id)` was refused: \(error.description)",
                                     line: counts.lines))
            }
            drain(e)
        }
        if let untilTime {
            let e = engine ?? Engine(program: program, clock: untilTime)
            if explain {
                if engine == nil { e.explain = { writeError("  \($0)\n") } }
                writeError("--until \(until ?? ""):\n")
            }
            if untilTime >= e.clock {
                do { try e.apply(.advance(to: untilTime), at: nil) } catch {
                    writeError(lineError(.scenarioEventRefused, "advancing to \(until ?? "") was refused: \(error.description)", line: nil))
                }
                drain(e)
            }
        }
        if json {
            let byStatus = JobStatus.allCases.compactMap { st in counts.jobs[st].map { "\"\(st.rawValue)\":\($0)" } }.joined(separator: ",")
            writeError(#"{"summary":{"lines":\#(counts.lines),"events":\#(counts.events),"jobs":{\#(byStatus)},"malformed":\#(counts.malformed),"refused":\#(counts.refused)}}"# + "\n")
        } else {
            writeError("rulec run: \(counts.summary)\n")
        }
        return (.ok, counts)
    }
}
