/// The text of a `uuid` as PostgreSQL stores and prints it, so that the interpreter finds, compares
/// and renders uuids as the database does: `A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11`, `{a0eebc99…}`
/// and `a0eebc999c0b4ef8bb6d6bb9bd380a11` are one value, printed
/// `a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`.
public enum UUIDText {
    /// The canonical lower-case, hyphenated form; nil when PostgreSQL's `uuid` input would refuse
    /// the text (it accepts upper or lower case, optional braces around the whole, and a hyphen
    /// after any group of four hex digits).
    public static func canonical(_ text: String) -> String? {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "{") {
            guard bytes.last == UInt8(ascii: "}"), bytes.count >= 2 else { return nil }
            bytes = bytes.dropFirst().dropLast()
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(36)
        var afterHyphen = false
        for b in bytes {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                digits.append(b)
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                digits.append(b + 32)
            case UInt8(ascii: "-"):
                // Only after a whole group of four digits, never first or last, never twice in a row.
                guard !afterHyphen, !digits.isEmpty, digits.count % 4 == 0, digits.count < 32 else { return nil }
                afterHyphen = true
                continue
            default:
                return nil
            }
            afterHyphen = false
        }
        guard digits.count == 32 else { return nil }
        var out = digits
        for at in [20, 16, 12, 8] { out.insert(UInt8(ascii: "-"), at: at) }
        return String(decoding: out, as: UTF8.self)
    }
}
