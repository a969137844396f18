/// How many significant digits a decimal written as text has: what decides whether rulec can
/// hold it exactly. Decimals are exact to `limit` significant digits in both backends (the
/// interpreter's `Decimal` keeps 38; PostgreSQL's `numeric` more), so a longer number is refused
/// where it is written rather than rounded in one backend only.
public enum DecimalDigits {
    public static let limit = 38

    /// The digits from the first non-zero one to the last non-zero one of the mantissa
    /// (`-0012.3400e5` has 4); 0 for zero.
    public static func significant(_ text: String) -> Int {
        let mantissa = text.prefix { $0 != "e" && $0 != "E" }
        let digits = mantissa.filter(\.isNumber).drop { $0 == "0" }
        return digits.reversed().drop { $0 == "0" }.count
    }

    public static func fits(_ text: String) -> Bool { significant(text) <= limit }
}
