import Foundation

// rulec-bench: figures for docs/performance.md, never pass/fail assertions.
// Run through scripts/bench-*.sh (release build). One subcommand per benchmark.

let usage = """
    usage: rulec-bench SUBCOMMAND [OPTIONS]

    subcommands:
      frontend [--rules N] [--runs N]   lex+parse throughput on a generated N-rule file
      check [--rules N] [--files F] [--reps K] [--write DIR]   parse+check time of N generated rules
      interpret --events FILE --rules PATH [--limit N] [--general-decoder] [--verify-decoder]
                                        interpreter events/s: decode and evaluation, timed apart
    """

var arguments = Array(CommandLine.arguments.dropFirst())
guard let subcommand = arguments.first else {
    print(usage)
    exit(2)
}
arguments.removeFirst()

// Each benchmark lives in its own file as `enum XBenchmark`; add its case here and to `usage`.
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
