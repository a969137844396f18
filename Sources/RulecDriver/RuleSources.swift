import Foundation
import RulecDiagnostics

/// Finds and reads the rule files named on a command line: a file is itself, a directory is
/// every `.crmrule` under it (sorted, so the program and its output are deterministic).
public struct RuleSources {
    /// A path that could not be used, reported as a usage error.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Expands paths into `.crmrule` files in a stable order, without duplicates.
    public static func expand(_ paths: [String], fileExtension: String = "crmrule") throws(Problem) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw Problem(description: "no such file or directory: \(path)")
            }
            if isDir.boolValue {
                guard let walker = fm.enumerator(atPath: path) else {
                    throw Problem(description: "cannot read directory: \(path)")
                }
                var found: [String] = []
                while let rel = walker.nextObject() as? String {
                    if rel.hasSuffix("." + fileExtension) {
                        found.append((path as NSString).appendingPathComponent(rel))
                    }
                }
                for f in found.sorted() where seen.insert(f).inserted { out.append(f) }
            } else if seen.insert(path).inserted {
                out.append(path)
            }
        }
        return out
    }

    /// Reads files into a new `SourceManager`, in the given order.
    public static func load(_ files: [String]) throws(Problem) -> SourceManager {
        let sources = SourceManager()
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else {
                throw Problem(description: "cannot read file: \(f)")
            }
            sources.add(SourceFile(path: f, bytes: [UInt8](data)))
        }
        return sources
    }
}
