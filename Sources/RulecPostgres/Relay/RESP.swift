import NIOCore

/// A reply of a Redis server in the RESP2 protocol: the five shapes Redis answers with.
/// The relay needs no more than this, so it carries no Redis client library.
public enum RESPValue: Sendable, Equatable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR …`: a command error (the connection stays usable).
    case error(String)
    /// `:42`
    case integer(Int64)
    /// `$5 hello`; nil for the null bulk string `$-1`.
    case bulkString([UInt8]?)
    /// `*2 …`; nil for the null array `*-1`.
    case array([RESPValue]?)

    /// The value as text when it is a string of either kind, or an integer.
    public var text: String? {
        switch self {
        case .simpleString(let s): return s
        case .bulkString(let bytes?): return String(decoding: bytes, as: UTF8.self)
        case .integer(let n): return String(n)
        default: return nil
        }
    }
}

/// RESP2 framing: commands are written as arrays of bulk strings; replies are parsed
/// incrementally from whatever bytes have arrived.
enum RESPCodec {
    /// Appends one command (`["SET", "k", "v"]`) as an array of bulk strings.
    static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            let utf8 = argument.utf8
            buffer.writeString("$\(utf8.count)\r\n")
            buffer.writeBytes(utf8)
            buffer.writeString("\r\n")
        }
    }

    struct ProtocolViolation: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses one complete reply from the front of `buffer`, consuming it; returns nil (and
    /// consumes nothing) when the reply is not complete yet.
    static func decode(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let value = try parse(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    private static func parse(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        // INVARIANT: replies nest only as deep as Lua tables the relay's own script returns.
        guard depth < 32 else { throw ProtocolViolation(description: "reply nested too deeply") }
        guard let marker = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        var rest = buffer
        rest.moveReaderIndex(forwardBy: 1)
        guard let line = readLine(&rest) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            buffer = rest
            return .simpleString(line)
        case UInt8(ascii: "-"):
            buffer = rest
            return .error(line)
        case UInt8(ascii: ":"):
            guard let n = Int64(line) else { throw ProtocolViolation(description: "bad integer `\(line)`") }
            buffer = rest
            return .integer(n)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1 else { throw ProtocolViolation(description: "bad bulk length `\(line)`") }
            if length == -1 {
                buffer = rest
                return .bulkString(nil)
            }
            guard rest.readableBytes >= length + 2, let bytes = rest.readBytes(length: length) else { return nil }
            rest.moveReaderIndex(forwardBy: 2)
            buffer = rest
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1 else { throw ProtocolViolation(description: "bad array length `\(line)`") }
            if count == -1 {
                buffer = rest
                return .array(nil)
            }
            var items: [RESPValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                guard let item = try parse(&rest, depth: depth + 1) else { return nil }
                items.append(item)
            }
            buffer = rest
            return .array(items)
        default:
            throw ProtocolViolation(description: "unknown reply type byte \(marker)")
        }
    }

    /// Reads up to CRLF (consumed), or nil when no full line has arrived.
    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")), cr + 1 < view.endIndex,
              view[cr + 1] == UInt8(ascii: "\n") else { return nil }
        let length = cr - view.startIndex
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}
