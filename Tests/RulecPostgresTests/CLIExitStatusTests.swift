import Foundation
import Testing

/// The exit statuses the commands document (`rulec test --help`: 0 ok, 1 invalid input, 2 usage
/// errors, 3 failing scenarios), from the built executable, since argument parsing happens there.
@Suite struct CLIExitStatusTests {
    @Test func usageErrorsExitTwo() throws {
        let rulec = try RelayTestEnvironment.rulecBinary()
        let badValue = try RelayTestEnvironment.runTool(rulec, ["test", "--backend", "mysql", "."])
        #expect(badValue.status == 2, "\(badValue.stderr)")
        #expect(badValue.stderr.contains("'mysql' is invalid for '--backend"))
        let missingValue = try RelayTestEnvironment.runTool(rulec, ["test", "--filter"])
        #expect(missingValue.status == 2, "\(missingValue.stderr)")
        let unknownFlag = try RelayTestEnvironment.runTool(rulec, ["compile", "--no-such-flag"])
        #expect(unknownFlag.status == 2, "\(unknownFlag.stderr)")
    }

    @Test func helpAndVersionExitZero() throws {
        let rulec = try RelayTestEnvironment.rulecBinary()
        #expect(try RelayTestEnvironment.runTool(rulec, ["--version"]).status == 0)
        #expect(try RelayTestEnvironment.runTool(rulec, ["test", "--help"]).status == 0)
    }

    @Test func aMissingSchemaFileIsInvalidInput() throws {
        let rulec = try RelayTestEnvironment.rulecBinary()
        let out = try RelayTestEnvironment.runTool(rulec, ["check", RelayTestEnvironment.packageRoot.appendingPathComponent("rules").path,
                                                           "--schema", "/nonexistent/schema.yaml"])
        #expect(out.status == 1, "\(out.stderr)")
        #expect(out.stderr.contains("R2020"))
    }
}
