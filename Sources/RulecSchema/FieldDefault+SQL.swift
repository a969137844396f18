import Foundation

extension FieldDefault {
    /// What a SQL default expression means in rulec's terms, when it is one rulec can express: a
    /// constant of the column's type, `now()`, a fresh uuid or a sequence (as PostgreSQL prints
    /// them, `'open'::text`, `ARRAY['a'::text]`, `nextval('s'::regclass)`); nil for any other
    /// expression. Schema pulls turn the catalog's defaults into the schema format with it, and
    /// dry runs apply a `default: {sql: …}` the database would apply.
    public static func reading(sql expression: String, type: FieldType, enumValues: [String]?) -> FieldDefault? {
        switch SQLExpressionReader.defaultShape(expression) {
        case .now:
            return type == .timestamp ? .now : nil
        case .randomUUID:
            return type == .uuid || type == .text ? .generated : nil
        case .sequence:
            return type == .int ? .generated : nil
        case .literal(let value):
            return isLiteral(value, of: type, enumValues: enumValues) ? .literal(value) : nil
        case .arrayText(let text, let elements):
            if case .list(let element) = type {
                return elements.allSatisfy { isLiteral($0, of: element, enumValues: enumValues) } ? .list(elements) : nil
            }
            return isLiteral(text, of: type, enumValues: enumValues) ? .literal(text) : nil
        case .list(let values):
            if case .list(let element) = type, values.allSatisfy({ isLiteral($0, of: element, enumValues: enumValues) }) {
                return .list(values)
            }
            return nil
        case .other:
            return nil
        }
    }

    /// True when the schema format can write `value` as a `default:` constant of `type` (the checks
    /// SchemaLoader makes); other defaults stay raw SQL.
    private static func isLiteral(_ value: String, of type: FieldType, enumValues: [String]?) -> Bool {
        switch type {
        case .text, .phone, .email: return !value.unicodeScalars.contains("\0")
        case .enumeration: return enumValues?.contains(value) ?? false
        case .int: return Int64(value) != nil
        case .decimal:
            var s = Substring(value)
            if s.first == "-" { s = s.dropFirst() }
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            return (parts.count == 1 || parts.count == 2) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        case .bool: return value == "true" || value == "false"
        case .uuid: return UUID(uuidString: value) != nil
        case .json:
            guard let data = value.data(using: .utf8) else { return false }
            return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
        case .timestamp, .duration, .list: return false  // PostgreSQL prints them in forms the format does not take
        }
    }
}
