import RulecDiagnostics
import Testing
@testable import RulecSchema

/// No input makes the loader crash or hang: mutated schemas, deep nesting, alias bombs.
@Suite struct SchemaRobustnessTests {
    /// A small deterministic generator, so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func mutatedDefaultSchemaNeverCrashes() {
        let base = Array(Schema.defaultCRMYAML.utf8)
        let alphabet = Array(" \n\t:-[]{}?#'\"&*!|>%@`,0aZ_ü".utf8)
        var rng = SplitMix(state: 42)
        for _ in 0..<300 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes.remove(at: i)
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
                default: bytes[i] = alphabet.randomElement(using: &rng)!
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let (schema, diagnostics) = SchemaLoader.load(yaml: text, path: "m.yaml", sources: SourceManager())
            // Either a schema or at least one error: never nil without a reason.
            #expect(schema != nil || diagnostics.contains { $0.severity == .error })
        }
    }

    @Test func everyTruncationNeverCrashes() {
        let text = Fixtures.everyFeature
        var cut = text.startIndex
        while cut < text.endIndex {
            let (schema, diagnostics) = SchemaLoader.load(yaml: String(text[..<cut]), path: "t.yaml", sources: SourceManager())
            #expect(schema != nil || diagnostics.contains { $0.severity == .error })
            cut = text.index(cut, offsetBy: 7, limitedBy: text.endIndex) ?? text.endIndex
        }
    }

    @Test func deepNestingIsADiagnostic() {
        let deep = "entities: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n"
        let (schema, diagnostics) = SchemaLoader.load(yaml: deep, path: "d.yaml", sources: SourceManager())
        #expect(schema == nil)
        #expect(diagnostics.contains { $0.code == .schemaInvalidYAML })
    }

    @Test func aliasBombIsRefused() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            yaml += "a\(i): &a\(i) [\(refs)]\n"
        }
        yaml += "entities: *a9\n"
        let (schema, diagnostics) = SchemaLoader.load(yaml: yaml, path: "bomb.yaml", sources: SourceManager())
        #expect(schema == nil)
        #expect(diagnostics.map(\.code) == [.schemaTooLarge])
    }

    @Test func oddScalarsAreReportedNotTrusted() {
        for yaml in ["~", "42", "\"entities\"", "entities: 3", "entities: {c: 3}", "entities: {c: {fields: {id: [text, int]}}}",
                     "entities: {c: {fields: {id: {type: {a: b}}}}}", "? [a]\n: b\n", "entities: {c: {fields: {id: text}}}\n---\nx: 1\n",
                     "entities: {c: {fields: {id: \"[[text]]\"}}}", "entities: {c: {fields: {id: \"text??\"}}}",
                     "entities: {c: {fields: {id: text, l: {type: \"[text]\", default: 3}}}}",
                     "entities: {c: {fields: {id: text, d: {type: json, default: \"{oops\"}}}}}",
                     "entities: {c: {fields: {id: text, t: {type: timestamp, default: yesterday}}}}",
                     "entities: {c: {fields: {id: text, d: {type: duration, default: 3 fortnights}}}}",
                     "entities: {c: {fields: {id: text, d: {type: text, default: {sql: ~}}}}}",
                     "\u{FEFF}entities: {c: {fields: {id: text}}}"] {
            let (schema, diagnostics) = SchemaLoader.load(yaml: yaml, path: "odd.yaml", sources: SourceManager())
            #expect(schema != nil || diagnostics.contains { $0.severity == .error && $0.range != nil }, "\(yaml)")
        }
    }
}
