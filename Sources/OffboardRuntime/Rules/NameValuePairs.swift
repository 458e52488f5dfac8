/// `name=value` words (a leaver's `--set`, a task's `--evidence`, a reschedule's `--set`): one parser, one refusal for
/// every malformed word. The value is everything after the first `=`; a name is never empty and never given twice.
public enum NameValuePairs {
    public static func parse(_ words: [String], field: String) -> Result<[(name: String, value: String)], InputRefusal> {
        var pairs: [(name: String, value: String)] = []
        var seen: Set<String> = []
        for word in words {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                return .failure(InputRefusal(.notAPair, field: field))
            }
            let name = String(word[..<equals])
            guard seen.insert(name).inserted else { return .failure(InputRefusal(.givenTwice, field: name)) }
            pairs.append((name, String(word[word.index(after: equals)...])))
        }
        return .success(pairs)
    }
}
