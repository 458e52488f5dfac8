/// Bounds that keep a hostile or broken YAML file from exhausting memory or time.
public struct YAMLLimits: Sendable, Hashable {
    /// Largest file accepted, in bytes.
    public var maxFileBytes: Int
    /// Deepest nesting of mappings and lists.
    public var maxDepth: Int
    /// Most nodes that aliases may stand for in total (an alias of a 100-node anchor counts 100),
    /// so an alias bomb is refused by arithmetic, never expanded.
    public var maxAliasExpansion: Int
    /// Most nodes in one document.
    public var maxNodes: Int

    public init(maxFileBytes: Int = 1 << 20, maxDepth: Int = 64, maxAliasExpansion: Int = 10_000, maxNodes: Int = 250_000) {
        self.maxFileBytes = maxFileBytes
        self.maxDepth = maxDepth
        self.maxAliasExpansion = maxAliasExpansion
        self.maxNodes = maxNodes
    }

    public static let `default` = YAMLLimits()
}
