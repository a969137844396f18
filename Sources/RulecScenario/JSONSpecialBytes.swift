/// The bytes a JSON string cannot hold as they are: `"` (0x22), `\` (0x5C) and control bytes
/// (below 0x20), found eight at a time. The stream scanner ends strings on them and job lines
/// escape texts holding them; both look at nearly every byte they read or write.
enum JSONSpecialBytes {
    /// The bytes of `w` (little-endian) that are special, as their high bits; exact for the
    /// lowest such byte, which is all a scan needs (a zero byte of `x` is found by
    /// `(x - 0x01…) & ~x & 0x80…`, whose false hits only lie above a true one, where a borrow ran).
    @inline(__always)
    static func mask(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
        return (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)) & highs
    }

    /// Whether some byte of `bytes` is special.
    static func any(in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var j = 0
        while j + 8 <= bytes.count {
            if mask(UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + j).loadUnaligned(as: UInt64.self))) != 0 { return true }
            j += 8
        }
        while j < bytes.count {
            let c = bytes[j]
            if c < 0x20 || c == 0x22 || c == 0x5C { return true }
            j += 1
        }
        return false
    }
}
