import Foundation

// rulec-bench: figures for docs/performance.md, never pass/fail assertions.
// Run through scripts/bench-*.sh (release build). One subcommand per benchmark.

let usage = """
    usage: rulec-bench SUBCOMMAND [OPTIONS]

    subcommands:
      frontend [--rules N] [--runs N]   lex+parse throughput on a generated N-rule file
      check ARGS…                       name resolution and type checking (CheckerBenchmark.swift)
      interpret ARGS…                   interpreter throughput (InterpreterBenchmark.swift)
    """

var arguments = Array(CommandLine.arguments.dropFirst())
guard let subcommand = arguments.first else {
    print(usage)
    exit(2)
}
arguments.removeFirst()

switch subcommand {
case "frontend":
    exit(FrontendBenchmark.main(arguments))
case "check":
    CheckerBenchmark.run(arguments)
case "interpret":
    InterpreterBenchmark.run(arguments)
case "-h", "--help", "help":
    print(usage)
default:
    printError("rulec-bench: unknown subcommand `\(subcommand)`\n\(usage)")
    exit(2)
}
