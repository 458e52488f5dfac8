/// The steps of a playbook as a graph of `needs` edges: cycles, transitive dependencies, and a
/// stable topological order. Iterative throughout, so a long chain of steps cannot exhaust the stack.
public struct NeedsGraph: Sendable {
    /// Step ids in declaration order.
    public let ids: [String]
    let index: [String: Int]
    /// For each step, the indices of the steps it needs (unknown ids are left out).
    let prerequisites: [[Int]]
    /// For each step not on a cycle, every step it waits for, directly or not, as a bit set: so `waits` answers
    /// in constant time and validating a playbook whose steps read far-back outputs stays linear in its
    /// references (a search per reference made a 10,000-step chain quadratic). Nil for steps on a cycle.
    private let ancestors: [[UInt64]?]

    public init(steps: [Step]) {
        ids = steps.map(\.id)
        var index: [String: Int] = [:]
        for (position, id) in ids.enumerated() where index[id] == nil { index[id] = position }
        self.index = index
        let prerequisites = steps.map { step in step.needs.compactMap { index[$0.id] } }
        self.prerequisites = prerequisites
        ancestors = Self.ancestorSets(prerequisites)
    }

    /// Ancestor bit sets, built in a topological order (Kahn's algorithm); steps left over are on a cycle.
    private static func ancestorSets(_ prerequisites: [[Int]]) -> [[UInt64]?] {
        let count = prerequisites.count, words = (count + 63) / 64
        var remaining = prerequisites.map(\.count)
        var dependents = [[Int]](repeating: [], count: count)
        for (node, needs) in prerequisites.enumerated() { for need in needs { dependents[need].append(node) } }
        var ready = remaining.indices.filter { remaining[$0] == 0 }
        var sets = [[UInt64]?](repeating: nil, count: count)
        while let node = ready.popLast() {
            var bits = [UInt64](repeating: 0, count: words)
            for need in prerequisites[node] {
                guard let inherited = sets[need] else { continue }
                for word in 0..<words { bits[word] |= inherited[word] }
                bits[need / 64] |= 1 << UInt64(need % 64)
            }
            sets[node] = bits
            for dependent in dependents[node] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { ready.append(dependent) }
            }
        }
        return sets
    }

    /// Every cycle, each spelled as the ids along it with the first repeated at the end.
    public func cycles() -> [[String]] {
        enum Color { case white, gray, black }
        var color = [Color](repeating: .white, count: ids.count)
        var found: [[String]] = []
        var seen: Set<Set<Int>> = []
        for start in ids.indices where color[start] == .white {
            var path: [Int] = [start]
            var nextEdge: [Int] = [0]
            color[start] = .gray
            while let node = path.last {
                let edgeIndex = nextEdge[nextEdge.count - 1]
                guard edgeIndex < prerequisites[node].count else {
                    color[node] = .black
                    path.removeLast()
                    nextEdge.removeLast()
                    continue
                }
                nextEdge[nextEdge.count - 1] += 1
                let next = prerequisites[node][edgeIndex]
                switch color[next] {
                case .white:
                    color[next] = .gray
                    path.append(next)
                    nextEdge.append(0)
                case .gray:
                    let cycle = Array(path[path.lastIndex(of: next)!...])
                    if seen.insert(Set(cycle)).inserted {
                        found.append((cycle + [next]).map { ids[$0] })
                    }
                case .black:
                    break
                }
            }
        }
        return found
    }

    /// Whether `id` waits for `target`, directly or through other steps (a search that stops as
    /// soon as it finds it).
    public func waits(_ id: String, for target: String) -> Bool {
        guard let start = index[id], let goal = index[target] else { return false }
        if let bits = ancestors[start] { return bits[goal / 64] & (1 << UInt64(goal % 64)) != 0 }
        if prerequisites[start].contains(goal) { return true }
        var visited: Set<Int> = []
        var stack = prerequisites[start]
        while let next = stack.popLast() {
            if next == goal { return true }
            if visited.insert(next).inserted { stack += prerequisites[next] }
        }
        return false
    }

    /// Steps in an order where each comes after everything it needs, ties kept in declaration
    /// order; nil when there is a cycle.
    public func topologicalOrder() -> [String]? {
        var remaining = prerequisites.map(\.count)
        var dependents = [[Int]](repeating: [], count: ids.count)
        for (node, needs) in prerequisites.enumerated() {
            for need in needs { dependents[need].append(node) }
        }
        var ready = MinHeap(remaining.indices.filter { remaining[$0] == 0 })
        var order: [String] = []
        while let node = ready.pop() {
            order.append(ids[node])
            for dependent in dependents[node] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { ready.push(dependent) }
            }
        }
        return order.count == ids.count ? order : nil
    }
}

/// A binary min-heap of integers, for a topological order that prefers declaration order.
struct MinHeap {
    private var items: [Int] = []

    init(_ values: [Int]) { values.forEach { push($0) } }

    mutating func push(_ value: Int) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
