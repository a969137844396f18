// libFuzzer entry point for the front end: arbitrary bytes through the lexer, the parser, the
// AST dump and the diagnostic renderer. Built by scripts/fuzz.sh (not by SwiftPM): swiftc
// -sanitize=fuzzer,address, linked against RulecDiagnostics and RulecSyntax compiled the same way.
// A crash, a failed precondition or an ASan report is a front-end bug: add its input to the corpus.
import RulecDiagnostics
import RulecSyntax

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes: [UInt8] = (data != nil && size > 0) ? Array(UnsafeBufferPointer(start: data, count: size)) : []

    // The lexer alone must reach the end of any input, making progress on every token.
    var lexer = Lexer(bytes: bytes, fileIndex: 0)
    var last = -1
    while true {
        let t = lexer.next()
        precondition(t.range.start >= 0 && t.range.start <= t.range.end && t.range.end <= size, "token range \(t.range) outside 0..<\(size)")
        if t.kind == .endOfFile { break }
        precondition(t.range.end > last, "lexer made no progress at \(t.range)")
        last = t.range.end
    }

    // The parser ends with a tree and diagnostics that all point inside the file.
    let source = SourceFile(path: "fuzz.crmrule", bytes: bytes)
    let (file, diagnostics, _) = Parser.parse(source, fileIndex: 0)
    for d in diagnostics {
        for r in [d.range].compactMap({ $0 }) + d.labels.map(\.range) + d.fixIts.map(\.range) {
            precondition(r.file == 0 && r.start >= 0 && r.start <= r.end && r.end <= size,
                         "diagnostic `\(d.message)` has range \(r) outside 0..<\(size)")
        }
    }
    _ = ASTDump().dump(file)
    let sources = SourceManager()
    sources.add(source)
    _ = DiagnosticRenderer(format: .text).render(diagnostics, sources: sources)
    _ = DiagnosticRenderer(format: .json).render(diagnostics, sources: sources)
    return 0
}
