import Foundation
import Playbook

/// Retry delays: exponential or fixed, capped, with jitter that is deterministic per run, step and
/// attempt, so replaying a journal gives the same schedule and the core needs no random source.
public enum Backoff {
    /// The delay before the attempt after `failedAttempt` (1-based).
    public static func delay(_ policy: RetryPolicy, afterAttempt failedAttempt: Int, seed: String) -> TimeInterval {
        let initial = Double(policy.initial.seconds), cap = Double(policy.max.seconds)
        let base: Double
        switch policy.backoff {
        case .fixed: base = initial
        case .exponential: base = min(cap, initial * pow(2, Double(max(0, failedAttempt - 1))))
        }
        // "Equal jitter": half the delay is fixed, half spread over [0, base/2).
        let fraction = Double(fnv1a("\(seed)#\(failedAttempt)") % 10_000) / 10_000
        return base / 2 + fraction * base / 2
    }

    /// FNV-1a, 64-bit: stable across processes (unlike `Hasher`).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
