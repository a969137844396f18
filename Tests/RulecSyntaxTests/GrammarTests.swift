import Foundation
import RulecDiagnostics
import RulecSyntax
import Testing

/// Holds `grammar/rulec.ebnf`, the parser and the examples in step: every syntactic production
/// is quoted verbatim by the `parse…` function that implements it, the kitchen-sink file
/// exercises every one, and every example rule the project shows a user parses cleanly.
@Suite struct GrammarTests {
    // MARK: (a) EBNF ↔ `/// Grammar:` doc comments

    @Test func everyEBNFProductionIsQuotedByTheParser() throws {
        let ebnf = try GrammarFiles.ebnfProductions()
        let quoted = try GrammarFiles.docCommentProductions()
        for (name, rhs) in ebnf where GrammarFiles.isSyntactic(name) {
            guard let quotes = quoted[name] else {
                Issue.record("production `\(name)` of grammar/rulec.ebnf has no `/// Grammar: \(name) = … ;` doc comment in Sources/RulecSyntax")
                continue
            }
            for q in quotes where q.rhs != rhs {
                Issue.record("""
                    production `\(name)` differs between grammar/rulec.ebnf and \(q.location):
                      ebnf:   \(rhs)
                      source: \(q.rhs)
                    """)
            }
        }
    }

    @Test func everyDocCommentProductionIsInTheEBNF() throws {
        let ebnf = try GrammarFiles.ebnfProductions()
        let quoted = try GrammarFiles.docCommentProductions()
        #expect(!quoted.isEmpty, "no `/// Grammar:` doc comments found in Sources/RulecSyntax")
        for (name, quotes) in quoted.sorted(by: { $0.key < $1.key }) {
            for q in quotes where ebnf[name] == nil {
                Issue.record("\(q.location) quotes production `\(name)`, which grammar/rulec.ebnf does not define")
            }
            if quotes.count > 1 {
                Issue.record("production `\(name)` is quoted \(quotes.count) times: \(quotes.map(\.location).joined(separator: ", "))")
            }
        }
    }

    @Test func ebnfIsWellFormed() throws {
        let text = try GrammarFiles.read(GrammarFiles.ebnf)
        let productions = try EBNF.productions(in: text)
        var seen: Set<String> = []
        for p in productions {
            #expect(seen.insert(p.name).inserted, "production `\(p.name)` is defined twice in grammar/rulec.ebnf")
        }
        // Every name used on a right-hand side is defined.
        for p in productions {
            for used in EBNF.referencedNames(in: p.rhs) where !seen.contains(used) {
                Issue.record("production `\(p.name)` uses `\(used)`, which grammar/rulec.ebnf does not define")
            }
        }
        // Every syntactic production but the start symbol is used by another one.
        let used = Set(productions.flatMap { EBNF.referencedNames(in: $0.rhs) })
        for p in productions where GrammarFiles.isSyntactic(p.name) && p.name != "program" && p.name != "template" {
            #expect(used.contains(p.name), "production `\(p.name)` is never used")
        }
        // The keyword list is Token.swift's.
        let keywordRule = try #require(productions.first { $0.name == "KEYWORD" })
        let listed = Set(EBNF.terminals(in: keywordRule.rhs))
        #expect(listed == Set(Keyword.allCases.map(\.rawValue)), "KEYWORD in grammar/rulec.ebnf differs from `Keyword` in Token.swift")
    }

    // MARK: (b) the kitchen sink exercises every production

    @Test func kitchenSinkParsesAndTracesEveryProduction() throws {
        let path = GrammarFiles.root + "/grammar/kitchen-sink.crmrule"
        let (diagnostics, traced) = try GrammarFiles.parse(file: path)
        #expect(diagnostics.isEmpty, "grammar/kitchen-sink.crmrule has syntax errors:\n\(diagnostics)")
        let syntactic = Set(try GrammarFiles.ebnfProductions().keys.filter(GrammarFiles.isSyntactic))
        let missing = syntactic.subtracting(traced).sorted()
        #expect(missing.isEmpty, "grammar/kitchen-sink.crmrule never exercises: \(missing.joined(separator: ", "))")
        // The parser enters no production the grammar does not name.
        let unknown = traced.subtracting(syntactic).sorted()
        #expect(unknown.isEmpty, "the parser traces productions missing from grammar/rulec.ebnf: \(unknown.joined(separator: ", "))")
    }

    // MARK: (c) every example parses

    @Test(arguments: GrammarFiles.ruleFiles())
    func ruleFileParses(_ relativePath: String) throws {
        let path = GrammarFiles.root + "/" + relativePath
        let (diagnostics, _) = try GrammarFiles.parse(file: path)
        #expect(diagnostics.isEmpty, "\(relativePath) has syntax errors:\n\(diagnostics)")
        let text = try GrammarFiles.read(path)
        #expect(text.hasPrefix("#"), "\(relativePath) should start with a `#` comment saying what the automation is for")
    }

    @Test func rulesDirectoryIsNotEmpty() {
        #expect(GrammarFiles.ruleFiles().count >= 10, "rules/ should hold the example automations")
    }

    @Test(arguments: GrammarFiles.markdownFiles())
    func markdownExamplesParse(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("""
                \(path) is missing: the language contract is expected at ../shared/LANGUAGE.md beside the \
                repository (CI clones the repository with shared/ next to it)
                """)
            return
        }
        let text = try GrammarFiles.read(path)
        let blocks = Markdown.crmruleBlocks(in: text)
        if path.hasSuffix("LANGUAGE.md") {
            #expect(!blocks.isEmpty, "\(path) has no ```crmrule examples")
        }
        for block in blocks {
            // Blank lines in front keep the line numbers of diagnostics those of the Markdown file.
            let padded = String(repeating: "\n", count: block.line - 1) + block.source
            let (diagnostics, _) = GrammarFiles.parse(text: padded, path: path)
            #expect(diagnostics.isEmpty, "the ```crmrule block at \(path):\(block.line) has syntax errors:\n\(diagnostics)")
        }
    }
}

// MARK: - Helpers

/// Where the files live, found from this source file so the test needs no SwiftPM resources.
enum GrammarFiles {
    /// The repository root: Tests/RulecSyntaxTests/GrammarTests.swift is three levels down.
    static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().standardizedFileURL.path
    }()
    static let ebnf = root + "/grammar/rulec.ebnf"
    static let languageContract = URL(fileURLWithPath: root + "/../shared/LANGUAGE.md").standardizedFileURL.path

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// Lower-case names are syntactic productions; upper-case ones are lexical.
    static func isSyntactic(_ name: String) -> Bool {
        name.first.map { $0.isLowercase } ?? false
    }

    /// The productions of grammar/rulec.ebnf: name → whitespace-normalised right-hand side.
    static func ebnfProductions() throws -> [String: String] {
        var result: [String: String] = [:]
        for p in try EBNF.productions(in: read(ebnf)) { result[p.name] = p.rhs }
        return result
    }

    struct Quote { var rhs: String; var location: String }

    /// Every `/// Grammar: name = … ;` line of Sources/RulecSyntax.
    static func docCommentProductions() throws -> [String: [Quote]] {
        let dir = root + "/Sources/RulecSyntax"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".swift") }.sorted()
        var result: [String: [Quote]] = [:]
        for file in files {
            let lines = try read(dir + "/" + file).split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("///") else { continue }
                let body = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces)
                guard body.hasPrefix("Grammar:") else { continue }
                let location = "Sources/RulecSyntax/\(file):\(i + 1)"
                let production = body.dropFirst("Grammar:".count).trimmingCharacters(in: .whitespaces)
                guard let parsed = try? EBNF.productions(in: production), parsed.count == 1 else {
                    Issue.record("\(location): cannot read `\(production)` as one production `name = … ;`")
                    continue
                }
                result[parsed[0].name, default: []].append(Quote(rhs: parsed[0].rhs, location: location))
            }
        }
        return result
    }

    /// The `.crmrule` files under rules/, relative to the root, sorted.
    static func ruleFiles() -> [String] {
        let dir = URL(fileURLWithPath: root + "/rules").resolvingSymlinksInPath().path
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".crmrule") }.sorted().map { "rules/" + $0 }
    }

    /// docs/*.md of the repository, then the language contract.
    static func markdownFiles() -> [String] {
        let dir = root + "/docs"
        let listed = URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
        let docs = ((try? FileManager.default.contentsOfDirectory(atPath: listed)) ?? [])
            .filter { $0.hasSuffix(".md") }.sorted().map { dir + "/" + $0 }
        return docs + [languageContract]
    }

    /// Parses one file with tracing; diagnostics come back rendered for the failure message.
    static func parse(file path: String) throws -> (diagnostics: String, traced: Set<String>) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return parse(bytes: Array(data), path: path)
    }

    static func parse(text: String, path: String) -> (diagnostics: String, traced: Set<String>) {
        parse(bytes: Array(text.utf8), path: path)
    }

    private static func parse(bytes: [UInt8], path: String) -> (diagnostics: String, traced: Set<String>) {
        let sources = SourceManager()
        let index = sources.add(SourceFile(path: path, bytes: bytes))
        let (_, diagnostics, traced) = Parser.parse(sources[index], fileIndex: index, tracing: true)
        return (DiagnosticRenderer(format: .text, color: false).render(diagnostics, sources: sources), traced)
    }
}

/// Just enough of ISO EBNF to compare productions: `name = rhs ;`, `(* comments *)`,
/// terminals in `"…"` or `'…'` and special sequences in `? … ?`.
enum EBNF {
    struct Production { var name: String; var rhs: String }

    struct SyntaxError: Error, CustomStringConvertible {
        var description: String
    }

    static func productions(in text: String) throws -> [Production] {
        let chars = Array(text)
        var i = 0
        var result: [Production] = []
        var current = ""
        func skipComment() throws {
            // At `(*`: skip to the matching `*)`; comments nest, as in ISO 14977.
            var nesting = 0
            repeat {
                guard i + 1 < chars.count else { throw SyntaxError(description: "unterminated (* comment *)") }
                if chars[i] == "(" && chars[i + 1] == "*" { nesting += 1; i += 2 }
                else if chars[i] == "*" && chars[i + 1] == ")" { nesting -= 1; i += 2 }
                else { i += 1 }
            } while nesting > 0
        }
        while i < chars.count {
            let c = chars[i]
            if c == "(" && i + 1 < chars.count && chars[i + 1] == "*" {
                try skipComment()
                current.append(" ")
                continue
            }
            if c == "\"" || c == "'" || c == "?" {
                guard let close = chars[(i + 1)...].firstIndex(of: c) else {
                    throw SyntaxError(description: "unterminated \(c)…\(c) in \(current)")
                }
                current.append(String(chars[i...close]))
                i = close + 1
                continue
            }
            if c == ";" {
                guard let eq = current.firstIndex(of: "=") else {
                    throw SyntaxError(description: "production without `=`: \(current)")
                }
                let name = current[..<eq].trimmingCharacters(in: .whitespacesAndNewlines)
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                    throw SyntaxError(description: "bad production name `\(name)`")
                }
                result.append(Production(name: name, rhs: normalise(String(current[current.index(after: eq)...]))))
                current = ""
                i += 1
                continue
            }
            current.append(c)
            i += 1
        }
        guard current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw SyntaxError(description: "text after the last production: \(current)")
        }
        return result
    }

    /// Collapses every run of whitespace outside terminals to one space.
    static func normalise(_ rhs: String) -> String {
        var out = ""
        var quote: Character?
        var pendingSpace = false
        for c in rhs {
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                continue
            }
            if c.isWhitespace { pendingSpace = true; continue }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(c)
            if c == "\"" || c == "'" || c == "?" { quote = c }
        }
        return out
    }

    /// Names (not terminals) used in a right-hand side.
    static func referencedNames(in rhs: String) -> [String] {
        tokens(in: rhs).filter { t in t.first.map { $0.isLetter || $0 == "_" } ?? false }
    }

    /// The terminals of a right-hand side, without their quotes.
    static func terminals(in rhs: String) -> [String] {
        tokens(in: rhs).filter { $0.first == "\"" || $0.first == "'" }.map { String($0.dropFirst().dropLast()) }
    }

    private static func tokens(in rhs: String) -> [String] {
        var out: [String] = []
        var word = ""
        var quote: Character?
        for c in rhs {
            if let q = quote {
                word.append(c)
                if c == q { out.append(word); word = ""; quote = nil }
                continue
            }
            if c == "\"" || c == "'" || c == "?" {
                if !word.isEmpty { out.append(word); word = "" }
                quote = c
                word.append(c)
            } else if c.isLetter || c.isNumber || c == "_" {
                word.append(c)
            } else if !word.isEmpty {
                out.append(word)
                word = ""
            }
        }
        if !word.isEmpty { out.append(word) }
        return out
    }
}

/// ```crmrule fenced blocks of a Markdown file.
enum Markdown {
    struct Block { var line: Int; var source: String }

    static func crmruleBlocks(in text: String) -> [Block] {
        var blocks: [Block] = []
        var open: (line: Int, fence: String, indent: Int)?
        var lines: [String] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let o = open {
                if trimmed.hasPrefix(o.fence) && trimmed.allSatisfy({ $0 == o.fence.first }) {
                    blocks.append(Block(line: o.line, source: lines.joined(separator: "\n") + "\n"))
                    open = nil
                    lines = []
                } else {
                    lines.append(String(line.dropFirst(min(o.indent, line.prefix { $0 == " " }.count))))
                }
                continue
            }
            let fence = String(trimmed.prefix { $0 == "`" || $0 == "~" })
            if fence.count >= 3, Set(fence).count == 1,
               trimmed.dropFirst(fence.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first == "crmrule" {
                open = (i + 2, fence, line.prefix { $0 == " " }.count)
            }
        }
        return blocks
    }
}
