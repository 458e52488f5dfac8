/// A scalar's text with the place it was written, so a position inside the text becomes a column.
public struct SourceText: Sendable, Hashable {
    public var text: String
    public var location: SourceLocation
    /// Characters before the text starts (an opening quote).
    public var leadingWidth: Int
    public var mapsColumns: Bool

    public init(text: String, location: SourceLocation, leadingWidth: Int = 0, mapsColumns: Bool = false) {
        self.text = text
        self.location = location
        self.leadingWidth = leadingWidth
        self.mapsColumns = mapsColumns
    }

    init(_ node: YAMLNode) {
        let scalar = node.scalar
        self.init(text: scalar?.text ?? "", location: node.location,
                  leadingWidth: scalar?.leadingDelimiterWidth ?? 0, mapsColumns: scalar?.columnsMapOneToOne ?? false)
    }

    /// Where the text's byte at UTF-8 offset `offset` was written: columns count code points, as
    /// libyaml's do (the scalar's start when the text was folded or escaped, so columns would not match).
    public func location(at offset: Int) -> SourceLocation {
        guard mapsColumns else { return location }
        let codePoints = text.utf8.prefix(max(0, offset)).reduce(0) { count, byte in byte & 0xC0 == 0x80 ? count : count + 1 }
        return location.advanced(by: leadingWidth + codePoints)
    }
}

/// A parsed template together with its source, for locating errors inside it.
public struct TemplateField: Sendable, Hashable {
    public var template: Template
    public var source: SourceText

    public init(template: Template, source: SourceText) {
        self.template = template
        self.source = source
    }
}

/// A parsed expression (written bare, `inputs.x != null`, or as one `{{ … }}`) with its source.
public struct ExpressionField: Sendable, Hashable {
    public var expression: Expression
    public var source: SourceText

    public init(expression: Expression, source: SourceText) {
        self.expression = expression
        self.source = source
    }

    /// The expression as written, without braces.
    public var text: String {
        let trimmed = source.text.trimmingWhitespace()
        if trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}") {
            return String(trimmed.dropFirst(2).dropLast(2)).trimmingWhitespace()
        }
        return trimmed
    }
}
