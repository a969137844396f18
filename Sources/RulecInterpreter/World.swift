import RulecSchema
import RulecSemantics

/// The rows the interpreter holds, as a database would: by entity and key, with indexes on the
/// foreign keys that aggregates follow, so `count(contact.messages)` costs the related rows only.
final class World {
    private struct Table {
        var rows: [String: Row] = [:]
        /// Insertion sequence of keys, for deterministic listing without O(n) deletes.
        var sequence: [String: Int] = [:]
        var nextSequence = 0
        /// foreign key column → value → keys of rows holding it.
        var indexes: [String: [String: Set<String>]] = [:]
    }

    let schema: Schema
    private var tables: [String: Table] = [:]
    private var entities: [String: Entity] = [:]

    init(schema: Schema) {
        self.schema = schema
        for e in schema.entities {
            entities[e.name] = e
            tables[e.name] = Table()
        }
    }

    func entity(_ name: String) -> Entity? { entities[name] }

    func row(_ entity: String, _ key: String) -> Row? { tables[entity]?.rows[key] }

    func key(of row: Row, in entity: Entity) -> String? {
        if case .text(let k)? = row[entity.key] { return k }
        return nil
    }

    /// Rows whose `column` equals `value`, in key order (deterministic).
    func rows(_ entity: String, where column: String, equals value: String) -> [Row] {
        ensureIndex(entity, column)
        guard let keys = tables[entity]?.indexes[column]?[value] else { return [] }
        return keys.sorted().compactMap { tables[entity]?.rows[$0] }
    }

    func allRows(_ entity: String) -> [Row] {
        guard let t = tables[entity] else { return [] }
        return t.sequence.sorted { $0.value < $1.value }.compactMap { t.rows[$0.key] }
    }

    private func ensureIndex(_ entity: String, _ column: String) {
        guard tables[entity]?.indexes[column] == nil, let t = tables[entity] else { return }
        var index: [String: Set<String>] = [:]
        for (k, row) in t.rows { if case .text(let v)? = row[column] { index[v, default: []].insert(k) } }
        tables[entity]!.indexes[column] = index
    }

    func insert(_ entity: String, key: String, row: Row) {
        tables[entity]!.rows[key] = row
        tables[entity]!.sequence[key] = tables[entity]!.nextSequence
        tables[entity]!.nextSequence += 1
        for (column, _) in tables[entity]!.indexes {
            if case .text(let v)? = row[column] { tables[entity]!.indexes[column]![v, default: []].insert(key) }
        }
    }

    func replace(_ entity: String, key: String, row: Row) {
        let old = tables[entity]!.rows[key]
        tables[entity]!.rows[key] = row
        for (column, _) in tables[entity]!.indexes {
            if case .text(let v)? = old?[column] { tables[entity]!.indexes[column]![v]?.remove(key) }
            if case .text(let v)? = row[column] { tables[entity]!.indexes[column]![v, default: []].insert(key) }
        }
    }

    func delete(_ entity: String, key: String) {
        guard let old = tables[entity]!.rows.removeValue(forKey: key) else { return }
        tables[entity]!.sequence.removeValue(forKey: key)
        for (column, _) in tables[entity]!.indexes {
            if case .text(let v)? = old[column] { tables[entity]!.indexes[column]![v]?.remove(key) }
        }
    }
}
