/// Text from outside (inputs, evidence values, handler output and errors, run ids, names) made safe for
/// where it is shown: nothing can move a terminal's cursor, recolour it, reorder the line (bidi
/// overrides), or start a new line, heading or table row in Markdown.
public enum SafeText {
    /// Control characters (C0 but tab, DEL, C1), bidi controls and line or paragraph separators as visible
    /// escapes: ESC is `\e`, CR `\r`, LF `\n` when `keepNewlines` is false, others `\u{202E}`.
    public static func terminal(_ text: String, keepNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0, keepNewlines: keepNewlines) }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard isUnsafe(scalar, keepNewlines: keepNewlines) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\u{1B}": out += "\\e"
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            default: out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return out
    }

    /// One Markdown inline value: escaped for the terminal rules above (so no value can start a new line),
    /// with every character that could open formatting, a link, HTML or a table cell backslash-escaped.
    public static func markdown(_ text: String) -> String {
        var out = ""
        for character in terminal(text) {
            if "\\`*_[]<>|~&#!".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// True when `text` could reorder the text around it in a left-to-right page: it holds right-to-left letters
    /// (Hebrew, Arabic, Syriac, Thaana, N'Ko and the like) or bidi controls. Such a value is shown isolated.
    public static func needsIsolation(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x0590...0x08FF, 0xFB1D...0xFDFF, 0xFE70...0xFEFF, 0x10800...0x10FFF, 0x1E800...0x1EFFF: return true
            case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069: return true
            default: return false
            }
        }
    }

    static func isUnsafe(_ scalar: Unicode.Scalar, keepNewlines: Bool) -> Bool {
        switch scalar.value {
        case 0x0A: return !keepNewlines
        case 0x09: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
        default: return false
        }
    }
}
