/// Deterministic job keys: `md5("rulec:v1|RULE|ACTION_INDEX|ENTITY|ENTITY_ID|FIRE_TIME_US|PARAMS_JSONB")` in hex.
/// PostgreSQL computes the same with its built-in `md5()`, so both backends agree, and a job
/// delivered twice is recognised by the outbox and by BullMQ.
public enum IdempotencyKey {
    public static func make(rule: String, actionIndex: Int, entity: String, entityId: String, fireTime: Int64, params: String) -> String {
        // The text's bytes laid out in one stack buffer and hashed there: building it by string
        // interpolation cost most of what the hash itself does (one key per job).
        var rule = rule, entity = entity, entityId = entityId, params = params
        // The prefix, six bars, two decimals of at most 20 bytes, and the four texts.
        let capacity = 8 + 6 + 2 * 20 + rule.utf8.count + entity.utf8.count + entityId.utf8.count + params.utf8.count
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var n = 0
            func put(_ s: inout String) {
                s.withUTF8 { bytes in
                    guard let from = bytes.baseAddress else { return }
                    UnsafeMutableRawPointer(buffer.baseAddress! + n).copyMemory(from: from, byteCount: bytes.count)
                    n += bytes.count
                }
            }
            func bar() { buffer[n] = 0x7C; n += 1 }
            /// Decimal digits, as `"\(v)"` writes them.
            func decimal(_ v: Int64) {
                if v < 0 { buffer[n] = 0x2D; n += 1 }
                var m = v.magnitude, digits = 1
                while m >= 10 { m /= 10; digits += 1 }
                m = v.magnitude
                for k in stride(from: digits - 1, through: 0, by: -1) {
                    buffer[n + k] = 0x30 + UInt8(m % 10)
                    m /= 10
                }
                n += digits
            }
            var prefix = "rulec:v1"
            put(&prefix); bar(); put(&rule); bar(); decimal(Int64(actionIndex)); bar(); put(&entity); bar()
            put(&entityId); bar(); decimal(fireTime); bar(); put(&params)
            return md5Hex(bytes: UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// RFC 1321 MD5, hex-encoded. Used for identity, not security.
    public static func md5Hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { md5Hex(bytes: $0) }
    }

    /// `md5Hex` of bytes, hashed in place (no copies, no per-block arrays).
    static func md5Hex(bytes: UnsafeBufferPointer<UInt8>) -> String {
        var state: (UInt32, UInt32, UInt32, UInt32) = (0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476)
        let full = bytes.count / 64 * 64
        var offset = 0
        while offset < full {
            compress(&state, UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[offset..<offset + 64]))
            offset += 64
        }
        // The tail, the 0x80 marker, zeros and the bit length: one or two last blocks.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
            tail.initialize(repeating: 0)
            let rest = bytes.count - full
            for i in 0..<rest { tail[i] = bytes[full + i] }
            tail[rest] = 0x80
            let blocks = rest + 9 <= 64 ? 1 : 2
            let bitLength = UInt64(bytes.count) &* 8
            for i in 0..<8 { tail[blocks * 64 - 8 + i] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i))) }
            let raw = UnsafeRawBufferPointer(tail)
            for b in 0..<blocks { compress(&state, UnsafeRawBufferPointer(rebasing: raw[b * 64..<(b + 1) * 64])) }
        }
        return String(unsafeUninitializedCapacity: 32) { out in
            func put(_ word: UInt32, at j: Int) {
                for i in 0..<4 {
                    let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt32(i)))
                    out[j + 2 * i] = hexDigit(byte >> 4)
                    out[j + 2 * i + 1] = hexDigit(byte & 0xF)
                }
            }
            put(state.0, at: 0)
            put(state.1, at: 8)
            put(state.2, at: 16)
            put(state.3, at: 24)
            return 32
        }
    }

    private static func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? 0x30 + n : 0x57 + n }

    /// One 64-byte block into the state: the 64 steps written out, each with its constant and
    /// rotation (a loop reading them from tables could not fold them in; this is most of a
    /// job's hashing).
    private static func compress(_ state: inout (UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawBufferPointer) {
        func word(_ i: Int) -> UInt32 { UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        let m = (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7),
                 word(8), word(9), word(10), word(11), word(12), word(13), word(14), word(15))
        var a = state.0, b = state.1, c = state.2, d = state.3
        @inline(__always) func rotate(_ a: inout UInt32, _ b: UInt32, _ f: UInt32, _ s: UInt32) {
            a = b &+ (f << s | f >> (32 - s))
        }
        @inline(__always) func f(_ a: inout UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ s: UInt32, _ k: UInt32) {
            rotate(&a, b, ((b & c) | (~b & d)) &+ a &+ k &+ x, s)
        }
        @inline(__always) func g(_ a: inout UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ s: UInt32, _ k: UInt32) {
            rotate(&a, b, ((d & b) | (~d & c)) &+ a &+ k &+ x, s)
        }
        @inline(__always) func h(_ a: inout UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ s: UInt32, _ k: UInt32) {
            rotate(&a, b, (b ^ c ^ d) &+ a &+ k &+ x, s)
        }
        @inline(__always) func i(_ a: inout UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ s: UInt32, _ k: UInt32) {
            rotate(&a, b, (c ^ (b | ~d)) &+ a &+ k &+ x, s)
        }
        f(&a, b, c, d, m.0, 7, 0xd76aa478); f(&d, a, b, c, m.1, 12, 0xe8c7b756); f(&c, d, a, b, m.2, 17, 0x242070db); f(&b, c, d, a, m.3, 22, 0xc1bdceee)
        f(&a, b, c, d, m.4, 7, 0xf57c0faf); f(&d, a, b, c, m.5, 12, 0x4787c62a); f(&c, d, a, b, m.6, 17, 0xa8304613); f(&b, c, d, a, m.7, 22, 0xfd469501)
        f(&a, b, c, d, m.8, 7, 0x698098d8); f(&d, a, b, c, m.9, 12, 0x8b44f7af); f(&c, d, a, b, m.10, 17, 0xffff5bb1); f(&b, c, d, a, m.11, 22, 0x895cd7be)
        f(&a, b, c, d, m.12, 7, 0x6b901122); f(&d, a, b, c, m.13, 12, 0xfd987193); f(&c, d, a, b, m.14, 17, 0xa679438e); f(&b, c, d, a, m.15, 22, 0x49b40821)
        g(&a, b, c, d, m.1, 5, 0xf61e2562); g(&d, a, b, c, m.6, 9, 0xc040b340); g(&c, d, a, b, m.11, 14, 0x265e5a51); g(&b, c, d, a, m.0, 20, 0xe9b6c7aa)
        g(&a, b, c, d, m.5, 5, 0xd62f105d); g(&d, a, b, c, m.10, 9, 0x02441453); g(&c, d, a, b, m.15, 14, 0xd8a1e681); g(&b, c, d, a, m.4, 20, 0xe7d3fbc8)
        g(&a, b, c, d, m.9, 5, 0x21e1cde6); g(&d, a, b, c, m.14, 9, 0xc33707d6); g(&c, d, a, b, m.3, 14, 0xf4d50d87); g(&b, c, d, a, m.8, 20, 0x455a14ed)
        g(&a, b, c, d, m.13, 5, 0xa9e3e905); g(&d, a, b, c, m.2, 9, 0xfcefa3f8); g(&c, d, a, b, m.7, 14, 0x676f02d9); g(&b, c, d, a, m.12, 20, 0x8d2a4c8a)
        h(&a, b, c, d, m.5, 4, 0xfffa3942); h(&d, a, b, c, m.8, 11, 0x8771f681); h(&c, d, a, b, m.11, 16, 0x6d9d6122); h(&b, c, d, a, m.14, 23, 0xfde5380c)
        h(&a, b, c, d, m.1, 4, 0xa4beea44); h(&d, a, b, c, m.4, 11, 0x4bdecfa9); h(&c, d, a, b, m.7, 16, 0xf6bb4b60); h(&b, c, d, a, m.10, 23, 0xbebfbc70)
        h(&a, b, c, d, m.13, 4, 0x289b7ec6); h(&d, a, b, c, m.0, 11, 0xeaa127fa); h(&c, d, a, b, m.3, 16, 0xd4ef3085); h(&b, c, d, a, m.6, 23, 0x04881d05)
        h(&a, b, c, d, m.9, 4, 0xd9d4d039); h(&d, a, b, c, m.12, 11, 0xe6db99e5); h(&c, d, a, b, m.15, 16, 0x1fa27cf8); h(&b, c, d, a, m.2, 23, 0xc4ac5665)
        i(&a, b, c, d, m.0, 6, 0xf4292244); i(&d, a, b, c, m.7, 10, 0x432aff97); i(&c, d, a, b, m.14, 15, 0xab9423a7); i(&b, c, d, a, m.5, 21, 0xfc93a039)
        i(&a, b, c, d, m.12, 6, 0x655b59c3); i(&d, a, b, c, m.3, 10, 0x8f0ccc92); i(&c, d, a, b, m.10, 15, 0xffeff47d); i(&b, c, d, a, m.1, 21, 0x85845dd1)
        i(&a, b, c, d, m.8, 6, 0x6fa87e4f); i(&d, a, b, c, m.15, 10, 0xfe2ce6e0); i(&c, d, a, b, m.6, 15, 0xa3014314); i(&b, c, d, a, m.13, 21, 0x4e0811a1)
        i(&a, b, c, d, m.4, 6, 0xf7537e82); i(&d, a, b, c, m.11, 10, 0xbd3af235); i(&c, d, a, b, m.2, 15, 0x2ad7d2bb); i(&b, c, d, a, m.9, 21, 0xeb86d391)
        state.0 = state.0 &+ a; state.1 = state.1 &+ b; state.2 = state.2 &+ c; state.3 = state.3 &+ d
    }
}
