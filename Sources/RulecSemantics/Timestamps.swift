/// ISO 8601 timestamps and durations as microseconds, the precision of PostgreSQL and of `Value`.
/// Written by hand (no `DateFormatter`): exact to the microsecond, locale-free and fast enough for
/// a stream of a million lines.
public enum Timestamps {
    /// PostgreSQL's earliest `timestamptz` (4714-11-24 00:00:00 BC), in microseconds since 1970.
    public static let earliest: Int64 = -210_866_803_200_000_000

    /// `t` moved by `d` microseconds; nil when the result is not a timestamp both backends hold
    /// (before PostgreSQL's earliest, or past the 64-bit microsecond range, about year 294247).
    /// Timestamp arithmetic outside that range is null on both backends, never an error.
    @inline(__always)
    public static func shifted(_ t: Int64, by d: Int64) -> Int64? {
        let (r, overflow) = t.addingReportingOverflow(d)
        return overflow || r < earliest ? nil : r
    }

    /// Parses `2026-11-24T09:00:00Z`, with optional fractional seconds (up to microseconds; more
    /// digits are refused rather than rounded), a `+02:00`/`-0500`/`+02` offset or none (UTC), a space
    /// instead of `T` (PostgreSQL's output), or a date alone (midnight UTC). Nil when malformed.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// `parse` on UTF-8 bytes (a stream line's, in place). Only ASCII is ever accepted.
    public static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        var seconds: Int64 = 0, micros: Int64 = 0, offset: Int64 = 0
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return nil }
            i += 1
            guard let h = digits(2), expect(58), let m = digits(2), h < 24, m < 60 else { return nil }
            var s: Int64 = 0
            if expect(58) {
                guard let sec = digits(2), sec < 60 else { return nil }
                s = sec
                if expect(46) {
                    var n = 0
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        guard n < 6 else { return nil }
                        micros = micros * 10 + Int64(b[i] - 48)
                        n += 1
                        i += 1
                    }
                    guard n > 0 else { return nil }
                    for _ in n..<6 { micros *= 10 }
                }
            }
            seconds = h * 3600 + m * 60 + s
            if i < b.count {
                if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                    i += 1
                } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                    let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = digits(2), oh <= 23 else { return nil }
                    var om: Int64 = 0
                    if i < b.count {
                        _ = expect(58)
                        guard let mm = digits(2), mm < 60 else { return nil }
                        om = mm
                    }
                    offset = sign * (oh * 3600 + om * 60)
                } else {
                    return nil
                }
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return (days * 86_400 + seconds - offset) * 1_000_000 + micros
    }

    /// `2026-11-27T10:00:00Z`; fractional seconds only when there are some, without trailing zeros.
    public static func format(_ micros: Int64) -> String {
        let (y, m, d, rest, fraction) = fields(micros)
        if (0...9999).contains(y) { return fixedWidth(y, m, d, rest, fraction) }
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        out += pad(rest / 3600, 2) + ":" + pad(rest / 60 % 60, 2) + ":" + pad(rest % 60, 2)
        if fraction != 0 {
            var f = pad(fraction, 6)
            while f.hasSuffix("0") { f.removeLast() }
            out += "." + f
        }
        return out + "Z"
    }

    /// Year, month, day, seconds of the day and microseconds of the second of a time.
    private static func fields(_ micros: Int64) -> (Int64, Int64, Int64, Int64, Int64) {
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        return (y, m, d, rest, fraction)
    }

    /// Parses a duration as rules write it (`90 seconds`, `3 days`, `1 day 2 hours`), or PostgreSQL's
    /// `HH:MM:SS` and `N days HH:MM:SS`. Nil when malformed.
    public static func parseDuration(_ text: String) -> Int64? {
        let units: [String: Int64] = [
            "microsecond": 1, "millisecond": 1_000, "second": 1_000_000, "sec": 1_000_000, "minute": 60_000_000,
            "min": 60_000_000, "hour": 3_600_000_000, "day": 86_400_000_000, "week": 604_800_000_000,
        ]
        let words = text.split(whereSeparator: { $0 == " " }).map(String.init)
        guard !words.isEmpty else { return nil }
        var total: Int64 = 0
        var i = 0
        while i < words.count {
            let w = words[i]
            if w.contains(":") {
                let parts = w.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 3, let h = Int64(parts[0]), let m = Int64(parts[1]), let s = Int64(parts[2]) else { return nil }
                total += ((h * 60 + m) * 60 + s) * 1_000_000
                i += 1
                continue
            }
            guard let n = Int64(w), i + 1 < words.count else { return nil }
            var unit = words[i + 1].lowercased()
            if unit.hasSuffix("s"), units[String(unit.dropLast())] != nil { unit.removeLast() }
            guard let scale = units[unit] else { return nil }
            let (product, overflow) = n.multipliedReportingOverflow(by: scale)
            guard !overflow else { return nil }
            total += product
            i += 2
        }
        return total
    }

    /// The largest unit that divides the duration: `3 days`, `90 seconds`, `1 microsecond`.
    public static func formatDuration(_ micros: Int64) -> String {
        let units: [(String, Int64)] = [("week", 604_800_000_000), ("day", 86_400_000_000), ("hour", 3_600_000_000),
                                        ("minute", 60_000_000), ("second", 1_000_000), ("microsecond", 1)]
        if micros == 0 { return "0 seconds" }
        for (name, scale) in units where micros % scale == 0 {
            let n = micros / scale
            return "\(n) \(name)\(n == 1 || n == -1 ? "" : "s")"
        }
        return "\(micros) microseconds"
    }

    /// `format(micros)`'s bytes appended to `out` (job lines are written as bytes).
    public static func append(_ micros: Int64, to out: inout [UInt8]) {
        let (y, m, d, rest, fraction) = fields(micros)
        guard (0...9999).contains(y) else { return out.append(contentsOf: format(micros).utf8) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 28) { buffer in
            let n = fixedWidth(y, m, d, rest, fraction, into: buffer)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// `format` for years 0…9999 (every run time there is): digits written straight into the
    /// string, as `pad` would give them.
    private static func fixedWidth(_ y: Int64, _ m: Int64, _ d: Int64, _ rest: Int64, _ fraction: Int64) -> String {
        String(unsafeUninitializedCapacity: 28) { fixedWidth(y, m, d, rest, fraction, into: $0) }
    }

    /// `fixedWidth`'s bytes into `out` (at least 28 bytes); returns how many.
    private static func fixedWidth(_ y: Int64, _ m: Int64, _ d: Int64, _ rest: Int64, _ fraction: Int64,
                                   into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var digits = 6
        var f = fraction
        while digits > 0, f % 10 == 0 { f /= 10; digits -= 1 }
        var i = 0
        func put(_ v: Int64, _ width: Int) {
            var v = v
            for k in stride(from: width - 1, through: 0, by: -1) {
                out[i + k] = 0x30 + UInt8(v % 10)
                v /= 10
            }
            i += width
        }
        func char(_ c: UInt8) { out[i] = c; i += 1 }
        put(y, 4); char(0x2D); put(m, 2); char(0x2D); put(d, 2); char(0x54)
        put(rest / 3600, 2); char(0x3A); put(rest / 60 % 60, 2); char(0x3A); put(rest % 60, 2)
        if digits > 0 { char(0x2E); put(f, digits) }
        char(0x5A)
        return i
    }

    /// Zero-padded digits; a negative year keeps its sign in front (`-0005`, ISO 8601's
    /// astronomical numbering, in which 1 BC is year 0).
    private static func pad(_ v: Int64, _ width: Int) -> String {
        if v < 0 { return "-" + pad(-v, width) }
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
