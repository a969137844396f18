import Yams

/// A bound on the YAML nodes a loader reads. Why: aliases (`*name`) share subtrees, so a file of a
/// few hundred bytes can expand into billions of nodes ("billion laughs"); a schema or test file
/// beyond the budget is refused before anything walks it.
public enum YAMLNodeBudget {
    /// Far above any real schema or test file.
    public static let nodes = 200_000

    /// Whether `node` expands to at most `nodes` nodes; shared subtrees count every time they
    /// appear. Stops counting as soon as the budget runs out.
    public static func fits(_ node: Node) -> Bool {
        var remaining = nodes
        return fits(node, budget: &remaining)
    }

    private static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        if budget < 0 { return false }
        switch node {
        case .scalar, .alias: return true
        case .sequence(let s):
            for n in s where !fits(n, budget: &budget) { return false }
            return true
        case .mapping(let m):
            for (k, v) in m where !fits(k, budget: &budget) || !fits(v, budget: &budget) { return false }
            return true
        }
    }
}
