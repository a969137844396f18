/// `lower()` and `upper()` as PostgreSQL computes them on a UTF-8 database with a libc locale:
/// one code point to one code point (Unicode's simple case mapping), so `upper("straße")` is
/// `STRAßE` and `lower("İ")` is `i`, where Swift's own `uppercased()` would give `STRASSE` and
/// `i̇`. Both backends must give the same text: a condition on it decides which rules fire.
enum CaseMapping {
    static func lower(_ s: String) -> String { map(s, upper: false) }
    static func upper(_ s: String) -> String { map(s, upper: true) }

    private static func map(_ s: String, upper: Bool) -> String {
        // ASCII, the common case, without Unicode tables.
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return upper ? s.uppercased() : s.lowercased() }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            let p = scalar.properties
            // The full mapping is the simple one when it is one code point; otherwise the simple
            // one is, for upper case, the title-case letter where that is one code point (Greek
            // letters with ypogegrammeni), else the letter itself (ß, ligatures); for lower case
            // (only U+0130 maps to more than one), the first code point.
            let full = upper ? p.uppercaseMapping : p.lowercaseMapping
            if full.unicodeScalars.count == 1 { out.append(full.unicodeScalars.first!); continue }
            if upper {
                let title = p.titlecaseMapping.unicodeScalars
                out.append(title.count == 1 ? title.first! : scalar)
            } else {
                out.append(full.unicodeScalars.first ?? scalar)
            }
        }
        return String(out)
    }
}
