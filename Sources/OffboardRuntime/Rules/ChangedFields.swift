import Engine
import Foundation
import Playbook

/// The values of a request that changes a run's dates (a reschedule): the word `now` is the moment of the request,
/// by the clock the front end was given, written as the journal keeps it. One place for every front end.
public enum ChangedFields {
    public static func resolved(_ fields: [String: String], now: Date) -> [String: String] {
        fields.mapValues { $0 == "now" ? DateText.iso8601(now) : $0 }
    }
}
