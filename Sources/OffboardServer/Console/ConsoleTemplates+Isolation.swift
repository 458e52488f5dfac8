import Foundation

/// Values from outside (a leaver's name, an assignee, a step's error) are shown isolated from the text around them, so
/// a right-to-left override at the end of a name cannot reverse the page's own punctuation after it.
extension ConsoleTemplates {
    /// The template with every escaped value in running text (`{{name}}`, outside a tag) wrapped in `<bdi>`. In
    /// `<title>`, which holds text only, the value is wrapped in the Unicode isolates FSI … PDI instead; attributes,
    /// `<option>` and `<textarea>` (a value alone, which a form may send back) are left as they are.
    static func isolatingValues(_ template: String) -> String {
        var out = ""
        var rest = Substring(template)
        var insideTag = false
        var textOnly: String?  // the element whose content is text only, while inside it
        while let character = rest.first {
            if !insideTag, rest.hasPrefix("{{"), let end = rest.range(of: "}}") {
                let tag = rest[rest.startIndex..<end.upperBound]
                rest = rest[end.upperBound...]
                let name = tag.dropFirst(2).first
                let isValue = name.map { !"#/^!>{&".contains($0) } ?? false
                switch (isValue, textOnly) {
                case (false, _), (true, "textarea"?), (true, "option"?): out += tag
                case (true, nil): out += "<bdi>\(tag)</bdi>"
                case (true, _?): out += "\u{2068}\(tag)\u{2069}"
                }
                continue
            }
            if character == "<" {
                insideTag = true
                let lowered = rest.prefix(10).lowercased()
                for element in ["title", "option", "textarea"] {
                    if lowered.hasPrefix("<\(element)") { textOnly = element }
                    if lowered.hasPrefix("</\(element)") { textOnly = nil }
                }
            } else if character == ">" {
                insideTag = false
            }
            out.append(character)
            rest = rest.dropFirst()
        }
        return out
    }
}
