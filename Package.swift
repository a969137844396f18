// swift-tools-version:6.1
import PackageDescription

// The pipeline, one target per stage, data flowing one way:
//   RulecDiagnostics ← RulecSyntax ← RulecSemantics (+ RulecSchema) ← backends ← RulecDriver ← rulec
// Heavy dependencies (database clients) stay out of the core so most tests build fast.
let package = Package(
    name: "rulec",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rulec", targets: ["rulec"]),
        .library(name: "RulecDriver", targets: ["RulecDriver"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(name: "RulecDiagnostics"),
        // The parser's state lives in one class touched on every token and never accessed
        // overlappingly; dynamic exclusivity checks cost about a quarter of parse time there.
        .target(name: "RulecSyntax", dependencies: ["RulecDiagnostics"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "RulecSchema", dependencies: ["RulecDiagnostics", "RulecSyntax", "Yams"]),
        .target(name: "RulecSemantics", dependencies: ["RulecDiagnostics", "RulecSyntax", "RulecSchema"]),
        .target(name: "RulecInterpreter", dependencies: ["RulecDiagnostics", "RulecSchema", "RulecSemantics"]),
        // The SQL backend: the checked program as one PostgreSQL migration of plpgsql triggers.
        .target(name: "RulecSQL", dependencies: ["RulecSchema", "RulecSemantics"]),
        // Scenario files (`*.test.yaml`) and event streams: parsed, run on an engine, compared.
        .target(name: "RulecScenario", dependencies: ["RulecDiagnostics", "RulecSchema", "RulecSemantics", "RulecInterpreter", "Yams"]),
        // The only target that links a PostgreSQL client: introspection, deploy, relay, the postgres test backend.
        .target(name: "RulecPostgres", dependencies: [
            "RulecDiagnostics", "RulecSchema", "RulecSemantics", "RulecInterpreter", "RulecScenario", "RulecSQL",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "RulecDriver", dependencies: ["RulecDiagnostics", "RulecSyntax", "RulecSchema", "RulecSemantics", "RulecInterpreter", "RulecScenario", "RulecSQL", "RulecPostgres"]),
        .executableTarget(name: "rulec", dependencies: [
            "RulecDriver",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmarks print figures; they are never timed assertions (release build: scripts/bench-*.sh).
        .executableTarget(name: "rulec-bench", dependencies: ["RulecDriver"]),
        .testTarget(name: "RulecSyntaxTests", dependencies: ["RulecSyntax", "RulecDiagnostics"], exclude: ["FormatterCases"]),
        .testTarget(name: "RulecSchemaTests", dependencies: ["RulecSchema"]),
        .testTarget(name: "RulecSemanticsTests", dependencies: ["RulecSemantics", "RulecSyntax", "RulecSchema"], exclude: ["Cases"]),
        .testTarget(name: "RulecInterpreterTests", dependencies: ["RulecInterpreter", "RulecSemantics", "RulecSyntax", "RulecSchema"]),
        .testTarget(name: "RulecDriverTests", dependencies: ["RulecDiagnostics", "RulecDriver", "RulecScenario", "RulecInterpreter"]),
        .testTarget(name: "RulecPostgresTests", dependencies: ["RulecPostgres", "RulecDriver", "RulecSQL", "RulecScenario", "RulecInterpreter"]),
    ]
)
