import Foundation
import OffboardRuntime
import Playbook

/// The clock commands run on: the machine's, or, when env `OFFBOARD_NOW` holds an ISO 8601 time,
/// the machine's moved to start then (for rehearsals and tests: "it is the leave date now").
enum CommandClock {
    static var current: any EngineClock {
        guard let text = ProcessInfo.processInfo.environment["OFFBOARD_NOW"], !text.isEmpty else { return SystemClock() }
        guard let start = DateText.parseDateTime(text, defaultTimeZone: nil) else {
            Output.error("warning: OFFBOARD_NOW '\(text)' is not an ISO 8601 time with an offset; using the machine's clock")
            return SystemClock()
        }
        return ShiftedClock(startingAt: start)
    }
}
