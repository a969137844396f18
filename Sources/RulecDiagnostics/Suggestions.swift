/// Levenshtein distance, for "did you mean" suggestions.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = Array(repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}

/// The closest candidate to `name` within a distance that still looks like a typo, or nil.
/// Ties go to the first candidate in sorted order, so suggestions are deterministic.
public func closestMatch(to name: String, in candidates: some Sequence<String>) -> String? {
    let limit = max(1, min(3, name.count / 3 + 1))
    var best: (String, Int)?
    for c in candidates.sorted() {
        let d = editDistance(name.lowercased(), c.lowercased())
        if d <= limit, best == nil || d < best!.1 { best = (c, d) }
    }
    return best?.0
}

/// "`a`, `b` or `c`": a readable list of names for messages.
public func listOfNames(_ names: [String], conjunction: String = "or") -> String {
    let quoted = names.map { "`\($0)`" }
    switch quoted.count {
    case 0: return ""
    case 1: return quoted[0]
    default: return quoted.dropLast().joined(separator: ", ") + " \(conjunction) " + quoted.last!
    }
}
