/// Writes a `Schema` as YAML in the format of docs/schema.md, so that `SchemaLoader` reads it back
/// to an equal `Schema` (`rulec schema pull` writes its result with it).
///
/// Deterministic: the same schema gives the same bytes. Entities, fields, enums and actions keep the
/// schema's order; every key the loader would derive by itself (`key: id`, `db_schema: public`, the
/// relation named after a `*_id` column, the inverse named after the table, `tenant_key:
/// workspace_id`) is left out, so the file reads like a hand-written one. Every name and value that
/// YAML could read as something else (`null`, `yes`, `3d`, `in progress`) is double-quoted.
public enum SchemaYAMLWriter {
    /// - Parameter header: comment lines written first (without `# `), e.g. where the schema came from.
    public static func yaml(for schema: Schema, header: [String] = []) -> String {
        var out = ""
        for line in header { out += line.isEmpty ? "#\n" : "# " + line + "\n" }
        if !header.isEmpty { out += "\n" }

        if !schema.enums.isEmpty {
            out += "enums:\n"
            for e in schema.enums {
                out += "  \(scalar(e.name)): [\(e.values.map(scalar).joined(separator: ", "))]\n"
            }
            out += "\n"
        }

        out += "entities:\n"
        for (index, entity) in schema.entities.enumerated() {
            if index > 0 { out += "\n" }
            out += entityYAML(entity, schema: schema)
        }

        if !schema.actions.isEmpty {
            out += "\nactions:\n"
            for action in schema.actions { out += actionYAML(action) }
        }
        return out
    }

    // MARK: - Entities

    private static func entityYAML(_ entity: Entity, schema: Schema) -> String {
        var out = "  \(scalar(entity.name)):\n"
        out += "    table: \(scalar(entity.table))\n"
        if entity.dbSchema != "public" { out += "    db_schema: \(scalar(entity.dbSchema))\n" }
        if entity.key != "id" { out += "    key: \(scalar(entity.key))\n" }
        // The loader derives `workspace_id` when that field exists, and no tenant key otherwise.
        let derivedTenant = entity.field(named: "workspace_id") != nil ? "workspace_id" : nil
        if entity.tenantKey != derivedTenant {
            out += "    tenant_key: \(entity.tenantKey.map(scalar) ?? "null")\n"
        }
        out += "    fields:\n"
        let manyToOne = Dictionary(entity.relations.filter { $0.cardinality == .manyToOne }.map { ($0.foreignKey, $0) },
                                   uniquingKeysWith: { a, _ in a })
        for field in entity.fields {
            var parts: [String] = []
            let typeText: String
            var nullableKey = false
            if case .list(let element) = field.type {
                typeText = "[" + scalar(element.description) + "]"
                // `[text]?` is not a plain flow scalar; a nullable list says `nullable: true`.
                nullableKey = field.nullable
            } else {
                typeText = scalar(field.type.description + (field.nullable ? "?" : ""))
            }
            parts.append("type: \(typeText)")
            if nullableKey { parts.append("nullable: true") }
            if let d = field.defaultValue { parts.append("default: \(defaultYAML(d))") }
            if let relation = manyToOne[field.name] {
                parts.append("references: \(scalar(relation.target))")
                let derived = field.name.hasSuffix("_id") && field.name.count > 3 ? String(field.name.dropLast(3)) : nil
                if relation.name != derived { parts.append("relation: \(scalar(relation.name))") }
                let inverse = schema.entity(named: relation.target)?.relations.first {
                    $0.cardinality == .oneToMany && $0.target == entity.name && $0.foreignKey == field.name
                }
                let derivedInverse = isYAMLIdentifier(entity.table) ? entity.table : entity.name + "s"
                if let inverse {
                    if inverse.name != derivedInverse { parts.append("inverse: \(scalar(inverse.name))") }
                } else {
                    parts.append("inverse: null")
                }
            }
            let name = scalar(field.name)
            if parts.count == 1 {
                out += "      \(name): \(typeText)\n"
            } else {
                out += "      \(name): {\(parts.joined(separator: ", "))}\n"
            }
        }
        return out
    }

    private static func defaultYAML(_ d: FieldDefault) -> String {
        switch d {
        case .generated: return "generated"
        case .now: return "now"
        // Always quoted: a quoted `now` or `generated` is the text, never the keyword.
        case .literal(let value): return quoted(value)
        case .list(let values): return "[" + values.map(quoted).joined(separator: ", ") + "]"
        case .sql(let expression): return "{sql: \(quoted(expression))}"
        }
    }

    // MARK: - Actions

    private static func actionYAML(_ action: ActionSpec) -> String {
        var out = "  \(scalar(action.name)):\n"
        if action.queue != action.name { out += "    queue: \(scalar(action.queue))\n" }
        if let p = action.queueParameter { out += "    queue_param: \(scalar(p))\n" }
        if !action.parameters.isEmpty {
            let params = action.parameters.map { p -> String in
                if case .list(let element) = p.type {
                    let type = "[" + scalar(element.description) + "]"
                    return "\(scalar(p.name)): " + (p.optional ? "{type: \(type), optional: true}" : type)
                }
                return "\(scalar(p.name)): " + scalar(p.type.description + (p.optional ? "?" : ""))
            }
            out += "    params: {\(params.joined(separator: ", "))}\n"
        }
        return out
    }

    // MARK: - Scalars

    /// Words YAML (1.1 or 1.2) may read as null, booleans or numbers when plain.
    private static let reserved: Set<String> = ["null", "true", "false", "yes", "no", "on", "off", "y", "n",
                                               "nan", "inf"]

    /// `[A-Za-z_][A-Za-z0-9_]*`, as the loader's names.
    static func isYAMLIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCII, first == "_" || first.properties.isAlphabetic
        else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    /// Plain when the text is an identifier (optionally ending in `?`) that YAML reads as a string; else quoted.
    static func scalar(_ s: String) -> String {
        let core = s.hasSuffix("?") ? String(s.dropLast()) : s
        if isYAMLIdentifier(core), !reserved.contains(core.lowercased()) { return s }
        return quoted(s)
    }

    /// A YAML double-quoted scalar: `\` and `"` escaped, control and line-separator characters as `\uXXXX`.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let v = u.value
                if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                    let hex = String(v, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
