import RulecSchema

/// Which rule's data actions can fire which rule, to refuse cycles the checker can see
/// (LANGUAGE.md §6). Timers are not edges: they fire later, not in the cascade.
struct RuleGraph {
    let rules: [CheckedRule]
    let schema: Schema

    /// What a rule's data actions write: entity → fields updated (nil: rows inserted).
    private func writes(_ r: CheckedRule) -> [(entity: String, fields: Set<String>?)] {
        r.actions.compactMap {
            switch $0 {
            case .create(let e, _, _): return (e, nil)
            case .update(let e, _, let a, _): return (e, Set(a.map(\.name)))
            case .external: return nil
            }
        }
    }

    /// The columns of the rule's own row that an expression reads (a relation reads its foreign key).
    private func ownFields(_ e: TypedExpr, of rule: CheckedRule) -> Set<String> {
        var out = Set<String>()
        let entity = schema.entity(named: rule.entity)
        func walk(_ e: TypedExpr) {
            switch e.kind {
            case let .field(binding, relations, field) where binding == rule.entity:
                if let first = relations.first { entity?.relation(named: first).map { out.insert($0.foreignKey) } } else { out.insert(field) }
            case .aggregate(let a):
                if a.ownerBinding == rule.entity {
                    if let first = a.ownerRelations.first { entity?.relation(named: first).map { out.insert($0.foreignKey) } }
                    else { entity.map { out.insert($0.key) } }
                }
                a.filter.map(walk)
            case .call(_, let args), .list(let args): args.forEach(walk)
            case .not(let x), .negate(let x), .isNull(let x, _), .isEmpty(let x, _): walk(x)
            case .binary(_, let l, let r), .membership(let l, _, let r): walk(l); walk(r)
            case .template(let parts): for case .value(let x) in parts { walk(x) }
            case .old(let f): out.insert(f)
            case .literal, .param, .now, .field: break
            }
        }
        walk(e)
        return out
    }

    /// The cycles among rules: one per strongly connected component, as a path from its first rule
    /// back to it (`a → c → d → a`), sorted by first rule.
    func cycles() -> [[CheckedRule]] {
        let n = rules.count
        // A bipartite graph of rules and change kinds ("insert into E", "update of E.f"): a rule points
        // at what it writes, a change kind at the rules it can fire. Its size is linear in the
        // program, and a cycle of rules is exactly a cycle here.
        var nodeIndex: [String: Int] = [:]
        var edges = Array(repeating: [Int](), count: n)
        func node(_ key: String) -> Int {
            if let i = nodeIndex[key] { return i }
            edges.append([])
            nodeIndex[key] = edges.count - 1
            if key.hasPrefix("update|"), key.split(separator: "|", omittingEmptySubsequences: false).count == 3 {
                // Every column's update is also "an update of E", which `updated` listens to.
                let hub = node("update|" + key.split(separator: "|", omittingEmptySubsequences: false)[1])
                edges[nodeIndex[key]!].append(hub)
            }
            return nodeIndex[key]!
        }
        func insertNode(_ e: String) -> Int { node("insert|\(e)") }
        func updateNode(_ e: String, _ f: String) -> Int { node("update|\(e)|\(f)") }
        func anyUpdateNode(_ e: String) -> Int { node("update|\(e)") }
        for (i, r) in rules.enumerated() {
            for w in writes(r) {
                if let fields = w.fields {
                    for f in fields.sorted() { edges[i].append(updateNode(w.entity, f)) }
                } else {
                    edges[i].append(insertNode(w.entity))
                }
            }
            let e = r.entity
            for t in r.triggers {
                switch t {
                case .created: edges[insertNode(e)].append(i)
                case .updated: edges[anyUpdateNode(e)].append(i)
                case .changes(let f, _, _): edges[updateNode(e, f)].append(i)
                case .meets(let c):
                    edges[insertNode(e)].append(i)
                    for f in ownFields(c, of: r).sorted() { edges[updateNode(e, f)].append(i) }
                case .reaches(let v, let th, let related):
                    edges[insertNode(e)].append(i)
                    for f in ownFields(v, of: r).union(ownFields(th, of: r)).sorted() { edges[updateNode(e, f)].append(i) }
                    for source in related where source.entity != e {
                        edges[insertNode(source.entity)].append(i)
                        edges[anyUpdateNode(source.entity)].append(i)
                    }
                case .deleted, .timer: break
                }
            }
        }
        let total = edges.count
        // Tarjan's algorithm, iterative so a huge program cannot overflow the stack.
        var index = 0
        var indices = Array(repeating: -1, count: total), low = Array(repeating: 0, count: total)
        var onStack = Array(repeating: false, count: total)
        var stack: [Int] = []
        var result: [[Int]] = []
        for root in 0..<total where indices[root] < 0 {
            var work: [(node: Int, next: Int)] = [(root, 0)]
            indices[root] = index; low[root] = index; index += 1
            stack.append(root); onStack[root] = true
            while let (v, i) = work.last {
                if i < edges[v].count {
                    work[work.count - 1].next += 1
                    let w = edges[v][i]
                    if indices[w] < 0 {
                        indices[w] = index; low[w] = index; index += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], indices[w])
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last { low[parent.node] = min(low[parent.node], low[v]) }
                    if low[v] == indices[v] {
                        var component: [Int] = []
                        while let w = stack.popLast() {
                            onStack[w] = false
                            component.append(w)
                            if w == v { break }
                        }
                        if component.count > 1 && component.contains(where: { $0 < n }) { result.append(component.sorted()) }
                    }
                }
            }
        }
        // Report each component as a real cycle: the shortest path from its first rule back to it.
        return result.sorted { $0[0] < $1[0] }.map { component in
            let start = component[0]
            let members = Set(component)
            var previous: [Int: Int] = [:]
            var queue = [start]
            var head = 0
            var last = start
            search: while head < queue.count {
                let v = queue[head]
                head += 1
                for w in edges[v] where members.contains(w) {
                    if w == start { last = v; break search }
                    if previous[w] == nil { previous[w] = v; queue.append(w) }
                }
            }
            var path = [last]
            while path[0] != start, let p = previous[path[0]] { path.insert(p, at: 0) }
            return path.filter { $0 < n }.map { rules[$0] }
        }
    }
}
