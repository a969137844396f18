/// Renders a schema for people (`rulec schema show`): what a rule author can write, in the order
/// the schema declares it, with the same output for the same schema byte for byte.
///
/// ```
/// entity contact  table public.contacts  key id  tenant workspace_id
///   fields
///     id            text             default generated
///     workspace_id  text             → workspace
///     last_name     text?
///   relations
///     workspace     many-to-one → workspace  (contact.workspace_id)
///     messages      one-to-many → message    (message.contact_id)
/// ```
public enum SchemaPrinter {
    public static func show(_ schema: Schema) -> String {
        var out = ""
        for entity in schema.entities {
            out += header(entity) + "\n"
            out += "  fields\n"
            let foreignKeys = Dictionary(
                entity.relations.filter { $0.cardinality == .manyToOne }.map { ($0.foreignKey, $0.target) },
                uniquingKeysWith: { a, _ in a })
            let nameWidth = entity.fields.map(\.name.count).max() ?? 0
            let typeWidth = entity.fields.map { typeText($0).count }.max() ?? 0
            for field in entity.fields {
                var notes: [String] = []
                if let d = field.defaultValue {
                    notes.append("default " + defaultText(d))
                } else if field.hasDefault {
                    notes.append("default")
                }
                if let target = foreignKeys[field.name] { notes.append("→ \(target)") }
                var line = "    " + pad(field.name, nameWidth)
                line += notes.isEmpty ? "  " + typeText(field) : "  " + pad(typeText(field), typeWidth) + "  " + notes.joined(separator: "  ")
                out += line + "\n"
            }
            if !entity.relations.isEmpty {
                out += "  relations\n"
                let relWidth = entity.relations.map(\.name.count).max() ?? 0
                let arrows = entity.relations.map { arrow($0) }
                let arrowWidth = arrows.map(\.count).max() ?? 0
                for (relation, arrowText) in zip(entity.relations, arrows) {
                    let via = relation.cardinality == .manyToOne
                        ? "\(entity.name).\(relation.foreignKey)" : "\(relation.target).\(relation.foreignKey)"
                    out += "    " + pad(relation.name, relWidth) + "  " + pad(arrowText, arrowWidth) + "  (\(via))\n"
                }
            }
            out += "\n"
        }
        if !schema.enums.isEmpty {
            let width = schema.enums.map(\.name.count).max() ?? 0
            for e in schema.enums {
                out += "enum " + pad(e.name, width) + "  " + e.values.joined(separator: ", ") + "\n"
            }
            out += "\n"
        }
        for action in schema.actions {
            let params = action.parameters.map { "\($0.name): \($0.type)\($0.optional ? "?" : "")" }
            var queue = "queue \(action.queue)"
            if let p = action.queueParameter { queue = "queue named by `\(p)`" }
            out += "action \(action.name)(\(params.joined(separator: ", ")))  \(queue)\n"
        }
        // One trailing newline, however the sections ended.
        while out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    private static func header(_ entity: Entity) -> String {
        var parts = ["entity \(entity.name)", "table \(entity.dbSchema).\(entity.table)", "key \(entity.key)"]
        parts.append(entity.tenantKey.map { "tenant \($0)" } ?? "no tenant")
        return parts.joined(separator: "  ")
    }

    private static func typeText(_ field: Field) -> String {
        field.type.description + (field.nullable ? "?" : "")
    }

    private static func arrow(_ relation: Relation) -> String {
        switch relation.cardinality {
        case .manyToOne: return "many-to-one → \(relation.target)"
        case .oneToMany: return "one-to-many → \(relation.target)"
        }
    }

    static func defaultText(_ d: FieldDefault) -> String {
        switch d {
        case .generated: return "generated"
        case .now: return "now"
        case .literal(let v): return v
        case .list(let vs): return "[" + vs.joined(separator: ", ") + "]"
        case .sql(let s): return "sql(\(s))"
        }
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
