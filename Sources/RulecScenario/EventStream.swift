import RulecDiagnostics
import RulecInterpreter
import RulecSchema
import RulecSemantics

/// One line of a change stream (LANGUAGE.md §9), decoded: the Supabase database-webhook shape
/// `{"type":"UPDATE","table":"contacts","schema":"public","record":{…},"old_record":{…},"commit_timestamp":"…"}`.
public struct StreamChange: Sendable {
    public enum Kind: String, Sendable { case insert = "INSERT", update = "UPDATE", delete = "DELETE" }
    public var kind: Kind
    public var entity: String
    /// The entity's position in the schema (`Engine.position(of:)`).
    public var position: Int
    /// The key of the row that changed.
    public var id: String
    /// `record` by field position (every column the schema knows: updates set them all).
    public var values: RowValues?
    /// `old_record` by field position: the row before the change, whether or not the world held it.
    public var oldValues: RowValues?
    /// `commit_timestamp`, the time of the change; nil keeps the clock.
    public var at: Int64?
    /// The entity's field names, by position.
    let fields: [String]

    /// `record` for inserts and updates, by column name.
    public var record: Row? { values.map(row) }
    /// `old_record` by column name.
    public var oldRecord: Row? { oldValues.map(row) }

    private func row(_ values: RowValues) -> Row {
        var out: Row = [:]
        for (name, v) in zip(fields, values) { if let v { out[name] = v } }
        return out
    }

    /// The engine event, by positions: an insert of the record, an update setting all its
    /// columns, a delete by key.
    public var positionalEvent: PositionalEvent {
        switch kind {
        case .insert: return .insert(entity: position, row: values ?? RowValues(repeating: nil, count: fields.count))
        case .update: return .update(entity: position, id: id, set: values ?? RowValues(repeating: nil, count: fields.count))
        case .delete: return .delete(entity: position, id: id)
        }
    }
}

/// Why a stream line could not be used; reported with its line number, never stopping the stream.
public struct StreamLineError: Error, Sendable, CustomStringConvertible {
    public var code: DiagnosticCode
    public var message: String
    public var description: String { message }
}

/// Decodes stream lines against the schema: tables map to entities (`contacts` → `contact`, also
/// qualified by `schema`), columns are typed by their fields like scenario values, and columns the
/// schema does not declare are ignored (a real table may have more than the rules need).
public struct StreamDecoder: Sendable {
    public let schema: Schema
    let converter: ValueConverter
    /// The fast path for lines in the common shape; the general decoder below takes the rest.
    private let scanner: StreamScanner
    private let byTable: [String: (entity: Entity, position: Int)]

    /// `readColumns` (by entity position, then field slot; `ReadColumns.of(program)`), when
    /// given, lets the fast path leave the values of the other columns unmade: they are validated
    /// exactly as before (a line is accepted or refused the same), and read as null. Only for a
    /// consumer that reads no other column, such as the engine running that program.
    public init(schema: Schema, readColumns: [[Bool]]? = nil) {
        self.schema = schema
        converter = ValueConverter(schema: schema)
        scanner = StreamScanner(schema: schema, read: readColumns)
        var t: [String: (entity: Entity, position: Int)] = [:]
        var positions: [String: Int] = [:]
        for (i, e) in schema.entities.enumerated() where positions[e.name] == nil { positions[e.name] = i }
        for e in schema.entities {
            t["\(e.dbSchema).\(e.table)"] = (e, positions[e.name]!)
            if t[e.table] == nil { t[e.table] = (e, positions[e.name]!) }
        }
        byTable = t
    }

    public func decode(_ line: [UInt8]) throws(StreamLineError) -> StreamChange {
        if let change = scanner.scan(line) { return change }
        return try decodeGeneral(line)
    }

    /// `decode`, for a caller that only uses `old_record` to learn rows it does not hold yet:
    /// `oldRecordNeeded(entity position, id)` false lets an UPDATE's `old_record` be checked (the
    /// line is refused or accepted exactly as by `decode`) without making its values, and then
    /// `oldValues` may be nil. Most stream lines update a row already known: this is most of the
    /// decoding of their second half.
    public func decode(_ line: [UInt8], oldRecordNeeded: (Int, String) -> Bool) throws(StreamLineError) -> StreamChange {
        if let change = scanner.scan(line, oldRecordNeeded: oldRecordNeeded) { return change }
        return try decodeGeneral(line)
    }

    /// The general decoder: a JSON tree, then each value converted as scenario values are. It
    /// alone reports errors; `decode` tries the scanner first (benchmarks compare the two).
    public func decodeGeneral(_ line: [UInt8]) throws(StreamLineError) -> StreamChange {
        let json: JSONValue
        do { json = try JSONReader.parse(bytes: line) } catch {
            throw StreamLineError(code: .streamMalformedLine, message: "malformed JSON: \(error.description)")
        }
        guard case .object = json else { throw malformed("expected a JSON object with `type`, `table` and `record`") }
        guard case .string(let type)? = json["type"] else { throw malformed("missing `type` (INSERT, UPDATE or DELETE)") }
        guard let kind = StreamChange.Kind(rawValue: type.uppercased()) else {
            throw malformed("`type` is `\(type)`; expected INSERT, UPDATE or DELETE")
        }
        guard case .string(let table)? = json["table"] else { throw malformed("missing `table`") }
        var dbSchema: String?
        if case .string(let s)? = json["schema"] { dbSchema = s }
        let entity: Entity, position: Int
        if let dbSchema, let e = byTable["\(dbSchema).\(table)"] { (entity, position) = e }
        else if dbSchema == nil, let e = byTable[table] { (entity, position) = e }
        else {
            let qualified = dbSchema.map { "\($0).\(table)" } ?? table
            let help: String
            if let same = schema.entities.first(where: { $0.table == table }) {
                help = "; the schema's entity `\(same.name)` is `\(same.dbSchema).\(table)` (if the table lives in `\(dbSchema ?? "")`, write `db_schema: \(dbSchema ?? "")` for it in the schema)"
            } else {
                let qualifiedNames = schema.entities.map { "\($0.dbSchema).\($0.table)" }
                help = closestName(table, in: schema.entities.map(\.table)).flatMap { t in
                    qualifiedNames.first { $0.hasSuffix("." + t) }.map { "; did you mean `\($0)`?" }
                } ?? ""
            }
            throw StreamLineError(code: .streamUnknownTable, message: "no entity of the schema has the table `\(qualified)`\(help)")
        }
        var at: Int64?
        switch json["commit_timestamp"] {
        case nil, .null?: break
        case .string(let s)?:
            guard let t = Timestamps.parse(s) else { throw malformed("`commit_timestamp` `\(s)` is not an ISO 8601 timestamp") }
            at = t
        default: throw malformed("`commit_timestamp` is not a string")
        }
        let record = try row(json["record"], entity: entity, name: "record")
        let old = try row(json["old_record"], entity: entity, name: "old_record")
        let source: Row?
        switch kind {
        case .insert, .update:
            guard record != nil else { throw malformed("an \(kind.rawValue) needs `record`") }
            source = record
        case .delete:
            guard old != nil || record != nil else { throw malformed("a DELETE needs `old_record`") }
            source = old ?? record
        }
        guard let idValue = source?[entity.key], !idValue.isNull else {
            throw malformed("the row has no `\(entity.key)` (the key of `\(entity.name)`)")
        }
        let fields = entity.fields.map(\.name)
        func values(_ row: Row?) -> RowValues? { row.map { r in fields.map { r[$0] } } }
        return StreamChange(kind: kind, entity: entity.name, position: position, id: Self.keyText(idValue), values: values(record),
                            oldValues: values(old), at: at, fields: fields)
    }

    /// A key value as the text the engine identifies rows by.
    public static func keyText(_ v: Value) -> String {
        switch v {
        case .text(let s): return s
        case .int(let i): return String(i)
        default: return ValueConverter.canonical(v)
        }
    }

    private func row(_ json: JSONValue?, entity: Entity, name: String) throws(StreamLineError) -> Row? {
        guard let json, json != .null else { return nil }
        guard case .object(let members) = json else { throw malformed("`\(name)` is not an object") }
        var out: Row = [:]
        out.reserveCapacity(members.count)
        for (column, value) in members {
            guard let field = entity.field(named: column) else { continue }
            // The row after the change is whole, as the database holds it; `old_record` may
            // lack columns (a table without REPLICA IDENTITY FULL sends only its key).
            if name == "record", value == .null, !field.nullable, column != entity.key, column != entity.tenantKey {
                throw malformed("`record.\(column)` is null, but `\(entity.name).\(column)` cannot be null (the schema does not declare it `nullable`)")
            }
            do { out[column] = try converter.convert(RawValue(json: value), to: field.type) } catch {
                throw malformed("`\(name).\(column)`: \(error.message)")
            }
        }
        return out
    }

    private func malformed(_ m: String) -> StreamLineError { StreamLineError(code: .streamMalformedLine, message: m) }
}
