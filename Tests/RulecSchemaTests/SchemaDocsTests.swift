import Foundation
import RulecDiagnostics
import Testing
@testable import RulecSchema

/// docs/schema.md stays in step with the loader: its example schema loads cleanly.
@Suite struct SchemaDocsTests {
    @Test func exampleInDocsLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/schema.md"), encoding: .utf8)
        let start = try #require(doc.range(of: "```yaml\n"))
        let end = try #require(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        let yaml = String(doc[start.upperBound..<end.lowerBound])
        let (schema, diagnostics) = SchemaLoader.load(yaml: yaml, path: "docs/schema.md", sources: SourceManager())
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(schema?.entity(named: "contact")?.relation(named: "messages")?.target == "message")
        #expect(schema?.action(named: "enqueue")?.queueParameter == "queue")
    }
}
