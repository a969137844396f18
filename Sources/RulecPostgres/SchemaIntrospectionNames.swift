/// English singular and plural for table names, enough for CRM schemas: `contacts` → `contact`,
/// `categories` → `category`, `addresses` → `address`, `people` → `person`; a name that is already
/// singular (`status`, `user`, `crm_data`) stays as it is. Only the last `_` segment changes
/// (`group_members` → `group_member`).
enum Inflection {
    private static let irregularPlural: [String: String] = [
        "people": "person", "children": "child", "men": "man", "women": "woman", "mice": "mouse",
        "geese": "goose", "teeth": "tooth", "feet": "foot", "indices": "index", "vertices": "vertex",
        "matrices": "matrix", "analyses": "analysis", "bases": "base", "statuses": "status",
        "aliases": "alias", "buses": "bus", "campuses": "campus", "viruses": "virus", "movies": "movie",
        "cookies": "cookie", "series": "series", "species": "species", "news": "news",
        "data": "data", "media": "media", "criteria": "criterion", "quizzes": "quiz",
    ]
    private static let irregularSingular: [String: String] = {
        var out: [String: String] = [:]
        for (plural, singular) in irregularPlural where out[singular] == nil { out[singular] = plural }
        return out
    }()

    static func singular(_ name: String) -> String {
        let (head, last) = splitLast(name)
        return head + singularWord(last)
    }

    static func plural(_ name: String) -> String {
        let (head, last) = splitLast(name)
        return head + pluralWord(last)
    }

    private static func splitLast(_ name: String) -> (String, String) {
        guard let i = name.lastIndex(of: "_"), name.index(after: i) < name.endIndex else { return ("", name) }
        return (String(name[...i]), String(name[name.index(after: i)...]))
    }

    private static func singularWord(_ word: String) -> String {
        let w = word.lowercased()
        // Only lowercase ASCII words are inflected; `Contacts` or `données` stay as written.
        guard !w.isEmpty, w == word, w.allSatisfy({ $0.isASCII && $0.isLetter }) else { return word }
        if let s = irregularPlural[w] { return s }
        if irregularSingular[w] != nil { return w }
        if w.hasSuffix("ies"), w.count > 4 { return String(w.dropLast(3)) + "y" }
        for suffix in ["sses", "shes", "ches", "xes", "zzes"] where w.hasSuffix(suffix) { return String(w.dropLast(2)) }
        if w.hasSuffix("ss") || w.hasSuffix("us") || w.hasSuffix("is") { return w }
        if w.hasSuffix("s"), w.count > 1 { return String(w.dropLast()) }
        return w
    }

    private static func pluralWord(_ word: String) -> String {
        let w = word.lowercased()
        guard !w.isEmpty, w == word, w.allSatisfy({ $0.isASCII && $0.isLetter }) else { return word + "s" }
        if let p = irregularSingular[w] { return p }
        if irregularPlural[w] != nil { return w }
        if w.hasSuffix("y"), let before = w.dropLast().last, !"aeiou".contains(before) { return String(w.dropLast()) + "ies" }
        for suffix in ["s", "x", "z", "ch", "sh"] where w.hasSuffix(suffix) { return w + "es" }
        return w + "s"
    }
}

/// The names rules can write: `[A-Za-z_][A-Za-z0-9_]*`.
enum RuleName {
    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCII, first == "_" || first.properties.isAlphabetic
        else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    /// An identifier made from any text: other characters become `_`, a leading digit gets `_`.
    static func sanitized(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            let ok = u.isASCII && (u == "_" || u.properties.isAlphabetic || ("0"..."9").contains(u))
            out.unicodeScalars.append(ok ? u : "_")
        }
        if out.isEmpty { return "_" }
        if let f = out.unicodeScalars.first, ("0"..."9").contains(f) { out = "_" + out }
        return out
    }
}

/// Hands out names that are unique within one scope (an entity's fields and relations, the enums,
/// the entities): the first free candidate, else the first with `_2`, `_3`, … appended.
struct NameScope {
    private(set) var taken: Set<String>

    init(_ taken: some Sequence<String> = [String]()) { self.taken = Set(taken) }

    func isFree(_ name: String) -> Bool { !taken.contains(name) }

    mutating func claim(_ candidates: [String]) -> String {
        for c in candidates where !taken.contains(c) {
            taken.insert(c)
            return c
        }
        let base = candidates.first ?? "name"
        var n = 2
        while taken.contains("\(base)_\(n)") { n += 1 }
        taken.insert("\(base)_\(n)")
        return "\(base)_\(n)"
    }
}
