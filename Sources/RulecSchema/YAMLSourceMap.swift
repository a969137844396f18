import RulecDiagnostics
import Yams

/// Turns the positions Yams reports (1-based line, column in Unicode scalars) into the byte ranges
/// that every rulec diagnostic carries, so schema and scenario errors render like rule errors: file:line:col
/// and an underline.
public struct YAMLSourceMap {
    public let file: Int
    public let bytes: [UInt8]
    private let lineStarts: [Int]

    public init(file: Int, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        lineStarts = starts
    }

    /// The byte offset of a 1-based line and scalar column; clamped, never out of the file.
    public func offset(line: Int, column: Int) -> Int {
        guard line >= 1 else { return 0 }
        guard line <= lineStarts.count else { return bytes.count }
        var i = lineStarts[line - 1]
        var remaining = column - 1
        while remaining > 0, i < bytes.count, bytes[i] != UInt8(ascii: "\n") {
            i += 1
            // Skip continuation bytes: one column per scalar.
            while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
            remaining -= 1
        }
        return i
    }

    /// A one-character range at a mark (or the whole first line when there is none).
    public func range(at mark: Mark?) -> SourceRange {
        guard let mark else { return SourceRange(file: file, start: 0, end: min(1, bytes.count)) }
        let start = offset(line: mark.line, column: mark.column)
        return SourceRange(file: file, start: start, end: min(bytes.count, start + scalarLength(at: start)))
    }

    /// The range of a node: a scalar's whole spelling (quotes included), or the first character of a
    /// mapping or list, which is where a human looks for it.
    public func range(of node: Node) -> SourceRange {
        let start = range(at: node.mark).start
        guard case .scalar(let scalar) = node else { return range(at: node.mark) }
        return SourceRange(file: file, start: start, end: scalarEnd(from: start, text: scalar.string))
    }

    private func scalarLength(at i: Int) -> Int {
        guard i < bytes.count else { return 0 }
        var n = 1
        while i + n < bytes.count, bytes[i + n] & 0xC0 == 0x80 { n += 1 }
        return n
    }

    /// Where a scalar that starts at `start` ends in the source. Plain scalars are spelt as their value;
    /// quoted ones end at the closing quote; block scalars (`|`, `>`) are marked by their indicator.
    private func scalarEnd(from start: Int, text: String) -> Int {
        guard start < bytes.count else { return start }
        let first = bytes[start]
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            var i = start + 1
            while i < bytes.count {
                let b = bytes[i]
                if first == UInt8(ascii: "\""), b == UInt8(ascii: "\\") { i += 2; continue }
                if b == first {
                    if first == UInt8(ascii: "'"), i + 1 < bytes.count, bytes[i + 1] == first { i += 2; continue }
                    return i + 1
                }
                if b == UInt8(ascii: "\n") { return i }
                i += 1
            }
            return min(i, bytes.count)
        }
        let utf8 = Array(text.utf8)
        if !utf8.isEmpty, start + utf8.count <= bytes.count, Array(bytes[start..<start + utf8.count]) == utf8 {
            return start + utf8.count
        }
        // An empty or multi-line plain scalar: underline to the end of the line.
        var i = start
        while i < bytes.count, bytes[i] != UInt8(ascii: "\n"), bytes[i] != UInt8(ascii: "\r") { i += 1 }
        return max(i, start + scalarLength(at: start))
    }

    /// The range of the second spelling of a duplicated key: Yams reports only the first, but the
    /// second is the one to remove. Looks for `key:` at the same column on a later line.
    public func secondOccurrence(of key: String, after mark: Mark) -> SourceRange? {
        let keyBytes = Array(key.utf8)
        guard !keyBytes.isEmpty else { return nil }
        var line = mark.line + 1
        while line <= lineStarts.count {
            let at = offset(line: line, column: mark.column)
            let lineStart = lineStarts[line - 1]
            // Same indentation: only spaces before the key.
            if bytes[lineStart..<at].allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "-") }),
               at + keyBytes.count <= bytes.count, Array(bytes[at..<at + keyBytes.count]) == keyBytes {
                var j = at + keyBytes.count
                while j < bytes.count, bytes[j] == UInt8(ascii: " ") { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: ":") {
                    return SourceRange(file: file, start: at, end: at + keyBytes.count)
                }
            }
            line += 1
        }
        return nil
    }
}
