import RulecSchema
import RulecSemantics

/// A row as the engine holds it: the value of `entity.fields[i]` at slot `i`, every field present.
/// Fields are resolved to slots once, when rules are compiled, so reading a field is an array
/// index, never a hash of its name.
typealias Record = [Value]

/// The rows the interpreter holds, as a database would: by entity and key, with indexes on the
/// foreign keys that aggregates follow, so `count(contact.messages)` costs the related rows only.
/// Entities are addressed by their position in the schema, fields by slot.
final class World {
    private struct Table {
        /// Each row with its insertion sequence, for deterministic listing without O(n) deletes.
        var rows: [String: (sequence: Int, record: Record)] = [:]
        var nextSequence = 0
        /// foreign key slot → value → keys of rows holding it.
        var indexes: [Int: [String: Set<String>]] = [:]
    }

    let schema: Schema
    /// The schema's entities, by position.
    let entities: [Entity]
    /// The slot of each entity's key field.
    let keySlots: [Int?]
    private var tables: [Table]
    private let positions: [String: Int]

    init(schema: Schema) {
        self.schema = schema
        entities = schema.entities
        keySlots = schema.entities.map { e in e.fields.firstIndex { $0.name == e.key } }
        tables = Array(repeating: Table(), count: schema.entities.count)
        var positions: [String: Int] = [:]
        for (i, e) in schema.entities.enumerated() where positions[e.name] == nil { positions[e.name] = i }
        self.positions = positions
    }

    /// The position of an entity in the schema.
    func position(of entity: String) -> Int? { positions[entity] }

    func row(_ entity: Int, _ key: String) -> Record? { tables[entity].rows[key]?.record }

    func contains(_ entity: Int, _ key: String) -> Bool { tables[entity].rows[key] != nil }

    /// Rows whose foreign key `slot` equals `value`, in key order (deterministic).
    func rows(_ entity: Int, where slot: Int, equals value: String) -> [Record] {
        ensureIndex(entity, slot)
        guard let keys = tables[entity].indexes[slot]?[value] else { return [] }
        return keys.sorted().compactMap { tables[entity].rows[$0]?.record }
    }

    func allRows(_ entity: Int) -> [Record] {
        return tables[entity].rows.values.sorted { $0.sequence < $1.sequence }.map(\.record)
    }

    private func ensureIndex(_ entity: Int, _ slot: Int) {
        guard tables[entity].indexes[slot] == nil else { return }
        var index: [String: Set<String>] = [:]
        for (k, row) in tables[entity].rows { if let v = row.record[slot].keyText { index[v, default: []].insert(k) } }
        tables[entity].indexes[slot] = index
    }

    func insert(_ entity: Int, key: String, row: Record) {
        tables[entity].rows[key] = (tables[entity].nextSequence, row)
        tables[entity].nextSequence += 1
        guard !tables[entity].indexes.isEmpty else { return }
        for slot in Array(tables[entity].indexes.keys) {
            if let v = row[slot].keyText { tables[entity].indexes[slot]![v, default: []].insert(key) }
        }
    }

    func replace(_ entity: Int, key: String, row: Record) {
        // The row keeps its place in the listing, as an updated row does in a table.
        var old: Record?
        if let i = tables[entity].rows.index(forKey: key) {
            old = tables[entity].rows.values[i].record
            tables[entity].rows.values[i].record = row
        } else {
            tables[entity].rows[key] = (tables[entity].nextSequence, row)
            tables[entity].nextSequence += 1
        }
        guard !tables[entity].indexes.isEmpty else { return }
        for slot in Array(tables[entity].indexes.keys) {
            if let v = old?[slot].keyText { tables[entity].indexes[slot]![v]?.remove(key) }
            if let v = row[slot].keyText { tables[entity].indexes[slot]![v, default: []].insert(key) }
        }
    }

    func delete(_ entity: Int, key: String) {
        guard let old = tables[entity].rows.removeValue(forKey: key)?.record else { return }
        for slot in Array(tables[entity].indexes.keys) {
            if let v = old[slot].keyText { tables[entity].indexes[slot]![v]?.remove(key) }
        }
    }
}
