import Foundation

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Reads `--name VALUE` options as integers; anything else is a usage error.
struct IntOptions {
    private(set) var values: [String: Int]

    init?(_ arguments: [String], defaults: [String: Int]) {
        values = defaults
        var i = 0
        while i < arguments.count {
            let name = arguments[i]
            guard name.hasPrefix("--"), defaults[String(name.dropFirst(2))] != nil,
                  i + 1 < arguments.count, let v = Int(arguments[i + 1]), v > 0 else {
                printError("rulec-bench: bad option `\(name)`")
                return nil
            }
            values[String(name.dropFirst(2))] = v
            i += 2
        }
    }

    subscript(_ name: String) -> Int { values[name]! }
}

/// Seconds taken by `body`, on the monotonic clock.
func measure(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
