#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RulecInterpreter
import RulecSchema
import RulecSemantics

/// The fast path of `StreamDecoder`: one pass over a stream line's bytes straight into typed rows,
/// with no JSON tree in between. It takes only the lines whose shape it fully understands (the
/// Supabase webhook keys, column names and strings without escapes, values whose conversion is
/// unambiguous) and returns nil for anything else, which the general decoder then handles, errors
/// and all. So the two give the same change for every line the scanner accepts.
// INVARIANT: `scan` returns a change only for a well-formed JSON line that `StreamDecoder.decodeGeneral`
// would decode to the same change; for every other line it returns nil, never an error.
struct StreamScanner {
    /// A column as the scanner converts it.
    private enum Kind {
        case text
        case enumeration(Set<String>)
        case int
        case timestamp
        /// A list of texts (or of one enum's values).
        case textList(Set<String>?)
        case bool
        /// Anything else: the line goes to the general decoder.
        case other
    }

    private struct Column {
        let name: [UInt8]
        let slot: Int
        let kind: Kind
        /// False for a column the consumer never reads (`init(schema:read:)`): its value is
        /// validated as if it were made, then stored as null.
        let read: Bool
        /// A `record` may not hold null here (a non-nullable column other than the key and the
        /// tenant key, which have refusals of their own); `StreamDecoder.row` says why.
        let refusesNull: Bool
    }

    /// A column's name and its closing `"` as the two little-endian words of a key's first 16
    /// bytes, with the masks of the bytes they hold; `length` 0 for a name of 16 bytes or more
    /// or holding a byte a key would escape (`"`, `\\`, control bytes), which only
    /// `Table.column(_:hint:)` finds.
    private struct QuotedName: Sendable {
        var w0: UInt64 = 0, w1: UInt64 = 0, m0: UInt64 = 0, m1: UInt64 = 0
        var length = 0

        init(_ name: [UInt8]) {
            guard name.count < 16, !name.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) else { return }
            for (i, b) in (name + [0x22]).enumerated() {
                let shift = UInt64(8 * (i % 8))
                if i < 8 { w0 |= UInt64(b) << shift; m0 |= 0xFF << shift } else { w1 |= UInt64(b) << shift; m1 |= 0xFF << shift }
            }
            length = name.count + 1
        }
    }

    /// A class: every line resolves one, and a copy would retain its entity's every string.
    private final class Table: Sendable {
        let entity: Entity
        let position: Int
        let fields: [String]
        let keySlot: Int?
        /// The columns in field order; looked up by their name's bytes.
        let columns: [Column]
        /// `columns`' names, as keys are compared in place.
        private let names: [QuotedName]

        init(entity: Entity, position: Int, fields: [String], keySlot: Int?, columns: [Column]) {
            self.entity = entity
            self.position = position
            self.fields = fields
            self.keySlot = keySlot
            self.columns = columns
            names = columns.map { QuotedName($0.name) }
        }

        /// The column named by `key`, trying `hint` first: lines list columns in one order, so
        /// the next column is almost always the one after the last.
        func column(_ key: UnsafeBufferPointer<UInt8>, hint: Int) -> Int? {
            if hint < columns.count, same(columns[hint].name, key) { return hint }
            return columns.firstIndex { same($0.name, key) }
        }

        /// The column of the key at the cursor, the cursor then past it; nil (the cursor anywhere)
        /// where `rawString` and `column(_:hint:)` would give none. The key's first 16 bytes are
        /// compared in place with each name and its closing `"` (two masked words), the hinted
        /// column first: a name without escapable bytes followed by `"` is exactly the key
        /// `rawString` would read. Lines leave out and reorder columns, so the hint misses a few
        /// times a line, and each miss costs a few instructions, not a string scan.
        func key(_ c: inout Cursor, hint: Int) -> Int? {
            c.space()
            let at = c.i + 1
            if at + 16 <= c.b.count, c.b[c.i] == 0x22 {
                let p = UnsafeRawPointer(c.b.baseAddress! + at)
                let x0 = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                let x1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                var k = hint < names.count ? hint : 0
                for _ in 0..<names.count {
                    let q = names[k]
                    if q.length > 0, x0 & q.m0 == q.w0, x1 & q.m1 == q.w1 {
                        c.i = at + q.length
                        return k
                    }
                    k = k + 1 == names.count ? 0 : k + 1
                }
            }
            guard let key = c.rawString() else { return nil }
            return column(key, hint: hint)
        }
    }

    /// Table names (the first entity of a name wins) and `schema.table` names (the last wins), as
    /// short lists compared byte for byte: a line resolves its table without building a key.
    private let tables: [(name: [UInt8], table: Table)]
    private let qualified: [(name: [UInt8], table: Table)]

    /// `read`, when given, marks by entity position and field slot the columns whose values are
    /// used (`ReadColumns.of`); the others are checked exactly as if read, and their slots hold
    /// null (present, so an insert does not take their default).
    init(schema: Schema, read: [[Bool]]? = nil) {
        func kind(_ t: FieldType) -> Kind {
            switch t {
            // uuids take the general path, which checks them and writes them as PostgreSQL does.
            case .text, .phone, .email: return .text
            case .enumeration(let name): return .enumeration(Set(schema.enumType(named: name)?.values ?? []))
            case .int: return .int
            case .timestamp: return .timestamp
            case .bool: return .bool
            case .list(let e):
                switch e {
                case .text, .phone, .email: return .textList(nil)
                case .enumeration(let name): return .textList(Set(schema.enumType(named: name)?.values ?? []))
                default: return .other
                }
            default: return .other
            }
        }
        var tables: [(name: [UInt8], table: Table)] = [], qualified: [(name: [UInt8], table: Table)] = []
        var positions: [String: Int] = [:]
        for (i, e) in schema.entities.enumerated() where positions[e.name] == nil { positions[e.name] = i }
        for (position, e) in schema.entities.enumerated() {
            var columns: [Column] = []
            for (slot, f) in e.fields.enumerated() where !columns.contains(where: { $0.name.elementsEqual(f.name.utf8) }) {
                columns.append(Column(name: Array(f.name.utf8), slot: slot, kind: kind(f.type), read: read?[position][slot] ?? true,
                                      refusesNull: !f.nullable && f.name != e.key && f.name != e.tenantKey))
            }
            let t = Table(entity: e, position: positions[e.name]!, fields: e.fields.map(\.name),
                          keySlot: e.fields.firstIndex { $0.name == e.key }, columns: columns)
            let q = Array("\(e.dbSchema).\(e.table)".utf8)
            if let i = qualified.firstIndex(where: { $0.name == q }) { qualified[i].table = t } else { qualified.append((q, t)) }
            let n = Array(e.table.utf8)
            if !tables.contains(where: { $0.name == n }) { tables.append((n, t)) }
        }
        self.tables = tables
        self.qualified = qualified
    }

    /// `oldRecordNeeded(entity position, id)`, asked for an UPDATE whose `record` came first:
    /// when false, `old_record` is checked exactly as if it were read, but its values are not
    /// made and `oldValues` is nil.
    func scan(_ line: [UInt8], oldRecordNeeded: (Int, String) -> Bool = { _, _ in true }) -> StreamChange? {
        line.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(b: buffer)
            return scanLine(&cursor, oldRecordNeeded)
        }
    }

    private struct Cursor {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0
        /// The last timestamp's bytes (within this line's buffer) and value.
        var lastTimestampBytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var lastTimestamp: Int64 = 0

        mutating func space() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func take(_ c: UInt8) -> Bool {
            space()
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }

        func peek() -> UInt8? { i < b.count ? b[i] : nil }

        /// Whether every byte is below 0x80, eight at a time.
        static func isASCII(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
            var j = 0, high: UInt64 = 0
            while j + 8 <= raw.count {
                high |= UnsafeRawPointer(raw.baseAddress! + j).loadUnaligned(as: UInt64.self)
                j += 8
            }
            while j < raw.count {
                high |= UInt64(raw[j])
                j += 1
            }
            return high & 0x8080_8080_8080_8080 == 0
        }

        /// A string without escapes, as its raw bytes (valid UTF-8 checked by the caller's use).
        mutating func rawString() -> UnsafeBufferPointer<UInt8>? {
            space()
            guard i < b.count, b[i] == 0x22 else { return nil }
            let start = i + 1
            var j = start
            // Eight bytes at a time to the first `"`, `\\` or control byte (SWAR tests), which
            // the byte loop below then decides on.
            while j + 8 <= b.count {
                let w = UInt64(littleEndian: UnsafeRawPointer(b.baseAddress! + j).loadUnaligned(as: UInt64.self))
                let special = JSONSpecialBytes.mask(w)
                if special != 0 {
                    j += special.trailingZeroBitCount >> 3
                    break
                }
                j += 8
            }
            while j < b.count {
                let c = b[j]
                if c == 0x22 { break }
                if c == 0x5C || c < 0x20 { return nil }
                j += 1
            }
            guard j < b.count else { return nil }
            i = j + 1
            return UnsafeBufferPointer(rebasing: b[start..<j])
        }

        mutating func string() -> String? {
            guard let raw = rawString() else { return nil }
            // ASCII (nearly every value) is valid UTF-8 as it is; only other bytes need validating.
            return Cursor.isASCII(raw) ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
        }

        mutating func null() -> Bool {
            space()
            guard i + 4 <= b.count, b[i] == 0x6E, b[i + 1] == 0x75, b[i + 2] == 0x6C, b[i + 3] == 0x6C else { return false }
            i += 4
            return true
        }

        /// A JSON integer (no fraction, no exponent) that fits Int64; nil otherwise.
        mutating func integer() -> Int64? {
            space()
            var j = i
            var negative = false
            if j < b.count, b[j] == 0x2D { negative = true; j += 1 }
            let digitsStart = j
            var v: Int64 = 0
            while j < b.count, b[j] >= 0x30, b[j] <= 0x39 {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(b[j] - 0x30)) : m.addingReportingOverflow(Int64(b[j] - 0x30))
                if o1 || o2 { return nil }
                v = a
                j += 1
            }
            let n = j - digitsStart
            guard n > 0, !(n > 1 && b[digitsStart] == 0x30) else { return nil }
            if j < b.count, b[j] == 0x2E || b[j] == 0x65 || b[j] == 0x45 { return nil }
            i = j
            return v
        }

        mutating func timestamp() -> Int64? {
            guard let raw = rawString() else { return nil }
            // (Not for an empty text, which is no timestamp: the cache starts empty.)
            if !raw.isEmpty, same(raw, lastTimestampBytes) { return lastTimestamp }
            guard let t = Timestamps.parse(bytes: raw) else { return nil }
            lastTimestampBytes = raw
            lastTimestamp = t
            return t
        }
    }

    private func scanLine(_ c: inout Cursor, _ oldRecordNeeded: (Int, String) -> Bool) -> StreamChange? {
        guard c.take(0x7B) else { return nil }
        var kind: StreamChange.Kind?
        var tableName: UnsafeBufferPointer<UInt8>?
        var schemaName: UnsafeBufferPointer<UInt8>?
        var table: Table?
        var record: RowValues??, old: RowValues??
        var at: Int64??
        var first = true
        while true {
            if first, c.take(0x7D) { break }
            first = false
            guard let key = c.rawString(), c.take(0x3A) else { return nil }
            switch key.count {
            case 4 where same(key, "type"):
                guard kind == nil, let t = c.rawString() else { return nil }
                if same(t, "INSERT") { kind = .insert }
                else if same(t, "UPDATE") { kind = .update }
                else if same(t, "DELETE") { kind = .delete }
                else { return nil }
            case 5 where same(key, "table"):
                guard tableName == nil, let t = c.rawString() else { return nil }
                tableName = t
            case 6 where same(key, "schema"):
                guard schemaName == nil, let s = c.rawString() else { return nil }
                schemaName = s
            case 6 where same(key, "record"), 10 where same(key, "old_record"):
                let isRecord = key.count == 6
                guard (isRecord ? record : old) == nil else { return nil }
                if c.null() {
                    if isRecord { record = .some(nil) } else { old = .some(nil) }
                } else {
                    if table == nil { table = resolve(tableName, schemaName) }
                    guard let table else { return nil }
                    if !isRecord, kind == .update, case let rec?? = record, let k = table.keySlot, let id = rec[k] ?? nil,
                       !id.isNull, !oldRecordNeeded(table.position, StreamDecoder.keyText(id)) {
                        guard skipRow(&c, table) else { return nil }
                        old = .some(nil)
                    } else {
                        guard let row = scanRow(&c, table, isRecord: isRecord) else { return nil }
                        if isRecord { record = .some(row) } else { old = .some(row) }
                    }
                }
            case 16 where same(key, "commit_timestamp"):
                guard at == nil else { return nil }
                if c.null() { at = .some(nil) } else {
                    guard let t = c.timestamp() else { return nil }
                    at = .some(t)
                }
            default:
                return nil
            }
            if c.take(0x2C) { continue }
            guard c.take(0x7D) else { return nil }
            break
        }
        c.space()
        guard c.i == c.b.count, let kind, let t = table ?? resolve(tableName, schemaName) else { return nil }
        // Keys seen after `record` must not change the table it was read against.
        if table != nil {
            guard let r = resolve(tableName, schemaName), r === t || r.entity.name == t.entity.name else { return nil }
        }
        let rec = record ?? nil, prev = old ?? nil
        let source: RowValues?
        switch kind {
        case .insert, .update:
            guard rec != nil else { return nil }
            source = rec
        case .delete:
            guard prev != nil || rec != nil else { return nil }
            source = prev ?? rec
        }
        guard let keySlot = t.keySlot, let idValue = source?[keySlot] ?? nil, !idValue.isNull else { return nil }
        return StreamChange(kind: kind, entity: t.entity.name, position: t.position, id: StreamDecoder.keyText(idValue), values: rec,
                            oldValues: prev, at: at ?? nil, fields: t.fields)
    }

    private func resolve(_ table: UnsafeBufferPointer<UInt8>?, _ schema: UnsafeBufferPointer<UInt8>?) -> Table? {
        guard let table else { return nil }
        if let schema {
            let n = schema.count + 1 + table.count
            for (q, t) in qualified where q.count == n {
                let hit = q.withUnsafeBufferPointer { q in
                    q[schema.count] == 0x2E && same(UnsafeBufferPointer(rebasing: q[..<schema.count]), schema)
                        && same(UnsafeBufferPointer(rebasing: q[(schema.count + 1)...]), table)
                }
                if hit { return t }
            }
            return nil
        }
        for (name, t) in tables where same(name, table) { return t }
        return nil
    }

    /// A row's values by slot; nil where the general decoder would refuse the line (or explain
    /// more than this scanner can), a null in a column that refuses one in a `record` included.
    private func scanRow(_ c: inout Cursor, _ t: Table, isRecord: Bool) -> RowValues? {
        guard c.take(0x7B) else { return nil }
        var row = RowValues(repeating: nil, count: t.fields.count)
        if c.take(0x7D) { return row }
        var hint = 0
        while true {
            guard let index = t.key(&c, hint: hint), c.take(0x3A) else { return nil }
            if isRecord, t.columns[index].refusesNull, c.null() { return nil }
            let slot = t.columns[index].slot
            if t.columns[index].read {
                guard let v = scanValue(&c, t.columns[index].kind) else { return nil }
                row[slot] = v
            } else {
                guard skipValue(&c, t.columns[index].kind) else { return nil }
                row[slot] = .null
            }
            hint = index + 1
            if c.take(0x2C) { continue }
            guard c.take(0x7D) else { return nil }
            return row
        }
    }

    /// `scanRow`'s checks without its values: true exactly where `scanRow` would give a row.
    private func skipRow(_ c: inout Cursor, _ t: Table) -> Bool {
        guard c.take(0x7B) else { return false }
        if c.take(0x7D) { return true }
        var hint = 0
        while true {
            guard let index = t.key(&c, hint: hint), c.take(0x3A) else { return false }
            guard skipValue(&c, t.columns[index].kind) else { return false }
            hint = index + 1
            if c.take(0x2C) { continue }
            return c.take(0x7D)
        }
    }

    /// `scanValue`'s checks; texts are validated as UTF-8 but not made into strings.
    private func skipValue(_ c: inout Cursor, _ kind: Kind) -> Bool {
        switch kind {
        case .text:
            if c.null() { return true }
            guard let raw = c.rawString() else { return false }
            return Cursor.isASCII(raw) || String(validating: raw, as: UTF8.self) != nil
        case .textList(nil):
            if c.null() { return true }
            guard c.take(0x5B) else { return false }
            if c.take(0x5D) { return true }
            while true {
                if !c.null() {
                    guard let raw = c.rawString(), Cursor.isASCII(raw) || String(validating: raw, as: UTF8.self) != nil else { return false }
                }
                if c.take(0x2C) { continue }
                return c.take(0x5D)
            }
        default:
            return scanValue(&c, kind) != nil
        }
    }

    private func scanValue(_ c: inout Cursor, _ kind: Kind) -> Value? {
        if c.null() { return .null }
        switch kind {
        case .text:
            return c.string().map(Value.text)
        case .enumeration(let values):
            guard let s = c.string(), values.contains(s) else { return nil }
            return .text(s)
        case .int:
            return c.integer().map(Value.int)
        case .timestamp:
            return c.timestamp().map(Value.timestamp)
        case .bool:
            c.space()
            if c.i + 4 <= c.b.count, c.b[c.i] == 0x74, c.b[c.i + 1] == 0x72, c.b[c.i + 2] == 0x75, c.b[c.i + 3] == 0x65 {
                c.i += 4
                return .bool(true)
            }
            if c.i + 5 <= c.b.count, c.b[c.i] == 0x66, c.b[c.i + 1] == 0x61, c.b[c.i + 2] == 0x6C, c.b[c.i + 3] == 0x73, c.b[c.i + 4] == 0x65 {
                c.i += 5
                return .bool(false)
            }
            return nil
        case .textList(let values):
            guard c.take(0x5B) else { return nil }
            var items: [Value] = []
            if c.take(0x5D) { return .list(items) }
            // Room for a few items at once: growing from one item by doubling reallocated
            // nearly every list (a record's tags), 1.5 % of decoding.
            items.reserveCapacity(4)
            while true {
                // A null item converts to null in the general decoder too.
                if c.null() { items.append(.null) } else {
                    guard let s = c.string() else { return nil }
                    if let values, !values.contains(s) { return nil }
                    items.append(.text(s))
                }
                if c.take(0x2C) { continue }
                guard c.take(0x5D) else { return nil }
                return .list(items)
            }
        case .other:
            return nil
        }
    }
}

/// Byte equality of a line's bytes with a name, by one `memcmp`.
@inline(__always)
private func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
}

@inline(__always)
private func same(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    a.count == b.count && a.withUnsafeBufferPointer { same($0, b) }
}

@inline(__always)
private func same(_ a: UnsafeBufferPointer<UInt8>, _ b: StaticString) -> Bool {
    a.count == b.utf8CodeUnitCount && same(a, UnsafeBufferPointer(start: b.utf8Start, count: b.utf8CodeUnitCount))
}
