#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `rulec run` reads its lines from, one at a time: memory holds one line, never the stream.
public protocol LineSource {
    /// The next line's bytes without its line ending; nil at the end.
    mutating func nextLine() -> [UInt8]?
}

/// Lines of a file or standard input, read with `getline(3)`.
public final class FileLineSource: LineSource {
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0

    /// `-` is standard input; anything else a path. Nil when the file cannot be opened.
    public init?(path: String) {
        if path == "-" {
            guard let f = fdopen(STDIN_FILENO, "r") else { return nil }
            file = f
            ownsFile = false
        } else {
            guard let f = fopen(path, "r") else { return nil }
            file = f
            ownsFile = true
        }
    }

    deinit {
        free(buffer)
        if ownsFile { fclose(file) }
    }

    public func nextLine() -> [UInt8]? {
        let n = getline(&buffer, &capacity, file)
        guard n >= 0, let buffer else { return nil }
        var count = n
        while count > 0, buffer[count - 1] == 0x0A || buffer[count - 1] == 0x0D { count -= 1 }
        return buffer.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }
}

/// Lines of a text in memory, for tests.
public struct TextLineSource: LineSource {
    private var lines: [Substring]
    private var index = 0

    public init(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    public mutating func nextLine() -> [UInt8]? {
        guard index < lines.count else { return nil }
        defer { index += 1 }
        var bytes = Array(lines[index].utf8)
        if bytes.last == 0x0D { bytes.removeLast() }
        return bytes
    }
}

/// A buffered writer to a file descriptor: `rulec run` writes a line per job, and a system call per
/// line would dominate a million-event stream. Flushes at 64 KiB, on `flush()` and when released.
public final class BufferedWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let limit = 1 << 16

    /// `STDOUT_FILENO` or `STDERR_FILENO`, typically.
    public init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(limit)
    }

    deinit { flush() }

    public func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= limit { flush() }
    }

    /// Lets `fill` append bytes to the buffer itself: a caller that makes bytes (a job line)
    /// writes them with no string or array in between.
    public func write(_ fill: (inout [UInt8]) -> Void) {
        fill(&buffer)
        if buffer.count >= limit { flush() }
    }

    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    public static var standardOutput: BufferedWriter { BufferedWriter(fd: STDOUT_FILENO) }
    public static var standardError: BufferedWriter { BufferedWriter(fd: STDERR_FILENO) }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
