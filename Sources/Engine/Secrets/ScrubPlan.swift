import Foundation

/// Replacements worked out for scanning, once for every text they scrub: each value's scalars, longest first, and
/// (for fragments cut off at a `…`) where each scalar occurs in each value. See `RevealedSecrets.scrub`.
struct ScrubPlan: Sendable {
    private let secrets: [([Unicode.Scalar], String)]
    /// For suffix matches after a cut: where each scalar occurs in each secret (a suffix can only start there).
    private let starts: [[Unicode.Scalar: [Int]]]
    private let cutFragments: Bool

    /// `candidates`: (value, what replaces it) pairs, in the order to try them (longest first).
    init(_ candidates: [(String, String)], cutFragments: Bool) {
        let secrets = candidates.map { (Array($0.0.unicodeScalars), $0.1) }.filter { !$0.0.isEmpty }
        self.secrets = secrets
        self.cutFragments = cutFragments
        starts = cutFragments ? secrets.map { secret, _ in
            var positions: [Unicode.Scalar: [Int]] = [:]
            for (offset, scalar) in secret.enumerated() where offset >= 1 && secret.count - offset >= RevealedSecrets.shortestCutFragment {
                positions[scalar, default: []].append(offset)
            }
            return positions
        } : []
    }

    var isEmpty: Bool { secrets.isEmpty }

    /// One left-to-right pass over Unicode scalars: at each position the longest value is replaced, and the text put
    /// in its place is never scanned again; with `cutFragments`, fragments at a cut are replaced too.
    func scrub(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        let scalars = Array(text.unicodeScalars)
        let ellipsis: Unicode.Scalar = "…"
        // Where the next cut (or the end) is, for every position: one backward pass.
        var nextCut = [Int](repeating: scalars.count, count: scalars.count + 1)
        if cutFragments {
            for index in stride(from: scalars.count - 1, through: 0, by: -1) {
                nextCut[index] = scalars[index] == ellipsis ? index : nextCut[index + 1]
            }
        }
        func matches(_ secret: [Unicode.Scalar], at index: Int, length: Int, fromEnd: Bool) -> Bool {
            guard index + length <= scalars.count else { return false }
            let offset = fromEnd ? secret.count - length : 0
            for position in 0..<length where scalars[index + position] != secret[offset + position] { return false }
            return true
        }
        var result = String.UnicodeScalarView()
        var index = 0
        var afterCut = true // the start of a text may be the end of a cut (a tail)
        while index < scalars.count {
            if let (secret, marker) = secrets.first(where: { matches($0.0, at: index, length: $0.0.count, fromEnd: false) }) {
                result.append(contentsOf: marker.unicodeScalars)
                index += secret.count
                afterCut = false
                continue
            }
            if cutFragments {
                // A suffix of a secret right after a cut (or at the start).
                if afterCut, let (length, marker) = secrets.indices.lazy.compactMap({ which -> (Int, String)? in
                    let (secret, marker) = secrets[which]
                    // Longest first: the earliest start position in the secret gives the longest suffix.
                    for offset in starts[which][scalars[index]] ?? [] where matches(secret, at: index, length: secret.count - offset, fromEnd: true) {
                        return (secret.count - offset, marker)
                    }
                    return nil
                }).first {
                    result.append(contentsOf: marker.unicodeScalars)
                    index += length
                    afterCut = false
                    continue
                }
                // A prefix of a secret that runs up to the next cut (or the end).
                let run = nextCut[index] - index
                if run >= RevealedSecrets.shortestCutFragment, let (_, marker) = secrets.first(where: { $0.0.count > run && matches($0.0, at: index, length: run, fromEnd: false) }) {
                    result.append(contentsOf: marker.unicodeScalars)
                    index += run
                    afterCut = false
                    continue
                }
            }
            afterCut = scalars[index] == ellipsis
            result.append(scalars[index])
            index += 1
        }
        return String(result)
    }
}
