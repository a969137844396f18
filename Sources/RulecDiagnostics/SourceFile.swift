/// A rule file's bytes, kept as UTF-8 so that every range in the pipeline is a byte offset;
/// lines and columns are derived only when a human needs them.
public final class SourceFile: Sendable {
    /// The path as the user gave it (or `<stdin>`), printed in diagnostics.
    public let path: String
    /// The raw bytes. May be invalid UTF-8: the lexer reports that instead of trusting it.
    public let bytes: [UInt8]
    /// Byte offset of the first byte of each line (of the first line: after a byte order mark).
    private let lineStarts: [Int]

    /// The length of the UTF-8 byte order mark some editors write at the start of a file: the
    /// lexer skips it, and columns are counted after it.
    public var byteOrderMarkLength: Int { bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0 }

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        var starts = [bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0]
        starts.reserveCapacity(bytes.count / 32 + 1)
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    public convenience init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The 1-based line and column (in characters, so `Müller` lines up) of a byte offset.
    public func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        let offset = max(0, min(offset, bytes.count))
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let start = lineStarts[lo]
        let column = characterCount(bytes[start..<max(start, offset)]) + 1
        return (lo + 1, column)
    }

    /// The text of a 1-based line, without its newline.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The number of lines.
    public var lineCount: Int { lineStarts.count }

    /// The text of a range, for messages and dumps.
    public func text(of range: SourceRange) -> String {
        let s = max(0, min(range.start, bytes.count)), e = max(s, min(range.end, bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }

    private func characterCount(_ slice: ArraySlice<UInt8>) -> Int {
        // Count Unicode scalars that begin a character: non-continuation bytes.
        // Combining marks are rare in rule files; scalars keep this O(n) and allocation-free.
        var n = 0
        for b in slice where b & 0xC0 != 0x80 { n += 1 }
        return n
    }
}

/// A half-open range of UTF-8 byte offsets in one source file.
public struct SourceRange: Hashable, Sendable, Comparable {
    /// Index of the file in the `SourceManager` that loaded it.
    public var file: Int
    public var start: Int
    public var end: Int

    public init(file: Int, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = end
    }

    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(file: file, start: min(start, other.start), end: max(end, other.end))
    }

    /// An empty range at the end of this one, where something missing belongs.
    public var endPoint: SourceRange { SourceRange(file: file, start: end, end: end) }

    public static func < (a: SourceRange, b: SourceRange) -> Bool {
        (a.file, a.start, a.end) < (b.file, b.start, b.end)
    }
}

/// Every file of one program, so that a `SourceRange` can name its file by index.
public final class SourceManager: @unchecked Sendable {
    public private(set) var files: [SourceFile] = []

    public init() {}

    /// Registers a file and returns its index.
    @discardableResult
    public func add(_ file: SourceFile) -> Int {
        files.append(file)
        return files.count - 1
    }

    public subscript(index: Int) -> SourceFile { files[index] }
}
