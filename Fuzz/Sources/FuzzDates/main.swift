import CFuzzer
import Foundation
import Playbook

/// Dates, date-times (with and without a zone), durations and time-zone names as outside text gives them:
/// nothing may crash, and what parses must be within the grammar's ranges.
func fuzzDates(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if case .success(let date) = DateTimeGrammar.date(text) {
        precondition((1...12).contains(date.month) && date.day >= 1 && date.day <= 31, "out-of-range date accepted: \(text.debugDescription)")
    }
    _ = DateTimeGrammar.dateTime(text)
    _ = DateText.resolveDateTime(text, timeZone: nil)
    _ = DateText.resolveDateTime(text, timeZone: TimeZone(identifier: "Europe/London"))
    _ = DateText.resolveDateTime(text, timeZone: TimeZone(identifier: "America/St_Johns"))
    _ = PlaybookDuration(parsing: text)
    _ = TimeZoneName.zone(named: text)
    _ = LocalDate(parsing: text)
    return 0
}

// The program's own main hands control to libFuzzer, which calls the function above with each input.
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, { data, size in fuzzDates(data, size) }))
