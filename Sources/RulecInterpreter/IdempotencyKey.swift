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

    /// One 64-byte block into the state.
    private static func compress(_ state: inout (UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawBufferPointer) {
        var m = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                 UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        withUnsafeMutableBytes(of: &m) { $0.copyMemory(from: block) }
        var a = state.0, b = state.1, c = state.2, d = state.3
        withUnsafeBytes(of: &m) { raw in
            let words = raw.bindMemory(to: UInt32.self)
            k.withUnsafeBufferPointer { k in
                s.withUnsafeBufferPointer { s in
                    @inline(__always) func step(_ f: UInt32, _ i: Int, _ g: Int) {
                        let f = f &+ a &+ k[i] &+ UInt32(littleEndian: words[g])
                        a = d; d = c; c = b
                        b = b &+ (f << s[i] | f >> (32 - s[i]))
                    }
                    // The four rounds apart, so no round is chosen per step.
                    for i in 0..<16 { step((b & c) | (~b & d), i, i) }
                    for i in 16..<32 { step((d & b) | (~d & c), i, (5 * i + 1) & 15) }
                    for i in 32..<48 { step(b ^ c ^ d, i, (3 * i + 5) & 15) }
                    for i in 48..<64 { step(c ^ (b | ~d), i, (7 * i) & 15) }
                }
            }
        }
        state.0 = state.0 &+ a; state.1 = state.1 &+ b; state.2 = state.2 &+ c; state.3 = state.3 &+ d
    }

    private static let s: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                      5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                      4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                      6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    private static let k: [UInt32] = (0..<64).map { i in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(i + 1))) * 4294967296.0).rounded(.down)))
    }
}

import Foundation
