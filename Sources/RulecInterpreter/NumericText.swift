/// A JSON number as PostgreSQL's `numeric` prints it, which is how `jsonb` keeps numbers: the
/// scale as written (`2.50`), exponents expanded (`1e3` → `1000`, `0.10e1` → `1.0`), leading
/// zeros dropped, no negative zero (`-0.0` → `0.0`). Both backends then show a json value alike.
public enum NumericText {
    /// The printed form of a JSON number; nil when `text` is not one (or its exponent is beyond
    /// what a row would hold).
    public static func jsonb(_ text: String) -> String? {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        var integer: [UInt8] = [], fraction: [UInt8] = []
        while let b = bytes.first, isDigit(b) { integer.append(b); bytes = bytes.dropFirst() }
        guard !integer.isEmpty else { return nil }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            while let b = bytes.first, isDigit(b) { fraction.append(b); bytes = bytes.dropFirst() }
            guard !fraction.isEmpty else { return nil }
        }
        var exponent = 0
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var sign = 1
            if let s = bytes.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { sign = s == UInt8(ascii: "-") ? -1 : 1; bytes = bytes.dropFirst() }
            var digits = 0
            while let b = bytes.first, isDigit(b) {
                exponent = exponent * 10 + Int(b - UInt8(ascii: "0"))
                guard exponent <= 1000 else { return nil }
                digits += 1
                bytes = bytes.dropFirst()
            }
            guard digits > 0 else { return nil }
            exponent *= sign
        }
        guard bytes.isEmpty else { return nil }
        // value = (integer fraction) × 10^(exponent - fraction.count); printed with this scale:
        let scale = max(0, fraction.count - exponent)
        var digits = integer + fraction
        let shift = exponent - fraction.count   // digits × 10^shift
        if shift > 0 { digits += [UInt8](repeating: UInt8(ascii: "0"), count: shift) }
        // Now digits × 10^(-scale) when shift <= 0 (then scale == -shift).
        if digits.count <= scale { digits = [UInt8](repeating: UInt8(ascii: "0"), count: scale - digits.count + 1) + digits }
        var whole = Array(digits[..<(digits.count - scale)])
        let places = Array(digits[(digits.count - scale)...])
        while whole.count > 1, whole.first == UInt8(ascii: "0") { whole.removeFirst() }
        let isZero = whole.allSatisfy { $0 == UInt8(ascii: "0") } && places.allSatisfy { $0 == UInt8(ascii: "0") }
        var out = (negative && !isZero) ? "-" : ""
        out += String(decoding: whole, as: UTF8.self)
        if scale > 0 { out += "." + String(decoding: places, as: UTF8.self) }
        return out
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
