import Foundation
import RulecDiagnostics
import RulecDriver
import RulecInterpreter
import RulecScenario
import RulecSemantics

/// `rulec-bench interpret --events FILE --rules PATH [--limit N] [--chunk N] [--general-decoder]
/// [--verify-decoder]`: the interpreter's
/// speed on a JSONL change stream (issue 4 item 5), split in two:
///
/// * decode: reading lines and decoding them into changes (the JSON half of `rulec run`);
/// * evaluation alone: the engine over already decoded changes, doing what `rulec run` does per
///   line (seed the `old_record` of a row the world does not hold yet, apply, drain the jobs)
///   except formatting the jobs as JSON.
///
/// Changes are decoded in chunks (default 100,000) outside the evaluation clock, so memory stays
/// bounded for a million-event stream. `--general-decoder` decodes every line with the general
/// (JSON tree) decoder instead of the scanner; `--verify-decoder` decodes every line both ways and
/// stops at the first difference. End to end (`rulec run` as a process, with its JSON output)
/// is timed by scripts/bench-interpreter.sh, which also reads peak memory from `/usr/bin/time`.
enum InterpreterBenchmark {
    static func run(_ args: [String]) {
        var events: String?, rules: String?
        var limit = Int.max, chunk = 100_000
        var general = false, verify = false
        var i = 0
        while i < args.count {
            let value = i + 1 < args.count ? args[i + 1] : nil
            switch args[i] {
            case "--events": events = value
            case "--rules": rules = value
            case "--limit": limit = value.flatMap { Int($0) } ?? limit
            case "--chunk": chunk = value.flatMap { Int($0) } ?? chunk
            case "--general-decoder": general = true; i -= 1
            case "--verify-decoder": verify = true; i -= 1
            default: usage()
            }
            i += 2
        }
        guard let events, let rules else { usage() }

        let setupStart = DispatchTime.now().uptimeNanoseconds
        let loaded: ProgramLoader.Loaded
        do { loaded = try ProgramLoader(paths: [rules]).load() } catch {
            print("error: \(error)")
            exit(2)
        }
        guard let program = loaded.program else {
            print("the rules do not check:\n" + DiagnosticRendererShim.report(loaded))
            exit(1)
        }
        let setup = seconds(since: setupStart)
        guard let source = FileLineSource(path: events) else {
            print("error: cannot read \(events)")
            exit(2)
        }
        // As `rulec run` decodes: columns no rule reads validated, not made (all made when verifying).
        let decoder = StreamDecoder(schema: program.schema, readColumns: verify ? nil : ReadColumns.of(program))
        var engine: Engine?
        var known: [Set<String>] = Array(repeating: [], count: program.schema.entities.count)
        var decodeTime = 0.0, evalTime = 0.0
        var count = 0, malformed = 0, refused = 0
        var jobs: [JobStatus: Int] = [:]
        var batch: [StreamChange] = []
        batch.reserveCapacity(chunk)
        var done = false
        while !done {
            batch.removeAll(keepingCapacity: true)
            let d0 = DispatchTime.now().uptimeNanoseconds
            while batch.count < chunk, count + batch.count < limit {
                guard let line = source.nextLine() else { done = true; break }
                if line.isEmpty { continue }
                do {
                    let change = general ? try decoder.decodeGeneral(line) : try decoder.decode(line)
                    if verify {
                        let g = try decoder.decodeGeneral(line)
                        if !same(g, change) {
                            print("decoders differ on line \(count + batch.count + malformed + 1)")
                            exit(1)
                        }
                    }
                    batch.append(change)
                } catch { malformed += 1 }
            }
            if count + batch.count >= limit { done = true }
            decodeTime += seconds(since: d0)

            let e0 = DispatchTime.now().uptimeNanoseconds
            for change in batch {
                let e = engine ?? Engine(program: program, clock: change.at ?? 0)
                engine = e
                if change.kind != .insert, !known[change.position].contains(change.id), let old = change.oldValues {
                    try? e.seed(entity: change.position, values: old)
                }
                do {
                    try e.apply(change.positionalEvent, at: change.at.map { max($0, e.clock) })
                    switch change.kind {
                    case .insert, .update: known[change.position].insert(change.id)
                    case .delete: known[change.position].remove(change.id)
                    }
                } catch {
                    refused += 1
                }
                for job in e.takeJobs() { jobs[job.status, default: 0] += 1 }
            }
            evalTime += seconds(since: e0)
            count += batch.count
        }
        let total = jobs.values.reduce(0, +)
        print("interpreter: \(program.rules.count) rules, \(count) events (\(malformed) malformed, \(refused) refused), \(total) jobs (pending \(jobs[.pending] ?? 0))")
        print("  setup (parse + check rules): \(String(format: "%.3f", setup)) s")
        print("  decode JSONL:     \(String(format: "%.3f", decodeTime)) s, \(rate(count, decodeTime)) events/s")
        print("  evaluation alone: \(String(format: "%.3f", evalTime)) s, \(rate(count, evalTime)) events/s, \(String(format: "%.2f", evalTime / Double(max(count, 1)) * 1e6)) µs/event")
        print("  decode + evaluation: \(rate(count, decodeTime + evalTime)) events/s")
        print("  peak RSS \(peakRSSMiB()) MiB")
        print("RESULT rules=\(program.rules.count) events=\(count) jobs=\(total) eval_eps=\(Int(Double(count) / evalTime)) decode_eps=\(Int(Double(count) / decodeTime)) rss_mib=\(peakRSSMiB())")
    }

    /// Whether two decoders gave the same change.
    static func same(_ a: StreamChange, _ b: StreamChange) -> Bool {
        guard a.kind == b.kind, a.entity == b.entity, a.id == b.id else { return false }
        guard a.at == b.at, a.record == b.record else { return false }
        return a.oldRecord == b.oldRecord
    }

    static func seconds(since t: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }

    static func rate(_ n: Int, _ s: Double) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.maximumFractionDigits = 0
        return f.string(from: NSNumber(value: Double(n) / max(s, 1e-9))) ?? "?"
    }

    static func usage() -> Never {
        print("usage: rulec-bench interpret --events FILE --rules PATH [--limit N] [--chunk N] [--general-decoder] [--verify-decoder]")
        exit(2)
    }
}

/// Renders a loader's diagnostics as `rulec check` would.
enum DiagnosticRendererShim {
    static func report(_ loaded: ProgramLoader.Loaded) -> String {
        DiagnosticRenderer().report(Array(loaded.diagnostics.prefix(5)), sources: loaded.sources)
    }
}
