import Foundation

/// Why a run is cancelled, rescheduled or reversed, or a task rejected: the words the journal keeps with the actor's
/// name. One rule for every front end: trimmed, then 1–2,000 characters.
public enum RequestReason {
    public static let maximumLength = 2000

    /// The reason as it is recorded (trimmed), or why it cannot be.
    public static func checked(_ text: String?) -> Result<String, InputRefusal> {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return .failure(InputRefusal(.missing, field: "reason", limit: maximumLength)) }
        guard trimmed.count <= maximumLength else { return .failure(InputRefusal(.tooLong, field: "reason", limit: maximumLength)) }
        return .success(trimmed)
    }
}
