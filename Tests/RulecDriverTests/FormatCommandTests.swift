import Foundation
import Testing
import RulecDriver

/// `rulec fmt`: the example rules are in canonical layout, stdin works, broken files are left alone.
struct FormatCommandTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func exampleRulesAreFormatted() {
        let out = FormatCommand(paths: [FormatCommandTests.repo.appendingPathComponent("rules").path], check: true).run()
        #expect(out.status == .ok, "\(out.stdout)\(out.stderr)")
    }

    @Test func stdinIsFormattedToStdout() {
        let source = "rule a when contact created then notify message: \"hi\""
        let out = FormatCommand(paths: ["-"], stdin: { Array(source.utf8) }).run()
        #expect(out.status == .ok)
        #expect(out.stdout == "rule a\n  when contact created\n  then\n    notify message: \"hi\"\n")
    }

    @Test func checkListsUnformattedFilesAndChangesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rulec-fmt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let messy = dir.appendingPathComponent("messy.crmrule")
        let broken = dir.appendingPathComponent("broken.crmrule")
        try Data("rule a when contact created then notify message: \"hi\"\n".utf8).write(to: messy)
        try Data("rule b when contact created then notify message: \"hi\n".utf8).write(to: broken)
        let before = try Data(contentsOf: messy)
        let check = FormatCommand(paths: [dir.path], check: true).run()
        #expect(check.status == .inputErrors)
        #expect(check.stdout.contains("messy.crmrule"))
        #expect(try Data(contentsOf: messy) == before)
        let brokenBefore = try Data(contentsOf: broken)
        let write = FormatCommand(paths: [dir.path]).run()
        #expect(write.status == .inputErrors)
        #expect(write.stderr.contains("R1003"))
        #expect(try Data(contentsOf: broken) == brokenBefore)
        #expect(try String(contentsOf: messy, encoding: .utf8) == "rule a\n  when contact created\n  then\n    notify message: \"hi\"\n")
    }
}
