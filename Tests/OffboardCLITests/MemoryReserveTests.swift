import Foundation
import Testing

/// `offboard serve --memory-reserve`: the heap it says it keeps ready is resident (not merely promised), 0 keeps
/// none, and a value out of range is refused before anything starts.
@Suite struct MemoryReserveTests {
    @Test func theDefaultReserveIsResidentAndZeroKeepsNone() async throws {
        // (An OFFBOARD_MEMORY_RESERVE in the caller's environment must not change the default under test.)
        let kept = try await ServeProcess(environment: ["OFFBOARD_MEMORY_RESERVE": ""])
        defer { kept.stop() }
        let none = try await ServeProcess(environment: ["OFFBOARD_MEMORY_RESERVE": ""], arguments: ["--memory-reserve", "0"])
        defer { none.stop() }
        #expect(!none.output.contains("of heap ready"))
        // "keeping 8 MiB of heap ready on each of 4 serving threads"
        let said = try #require(kept.output.firstMatch(of: /keeping (\d+) MiB of heap ready on each of (\d+) serving threads/), "\(kept.output)")
        let megabytes = try #require(Int(said.1)), threads = try #require(Int(said.2))
        #expect(megabytes == 8)
        // Distinct threads: NIO's event loops and Swift's cooperative threads (one per processor each, so at least 2).
        #expect(threads >= 2)
        let difference = try Self.residentMiB(kept.process.processIdentifier) - Self.residentMiB(none.process.processIdentifier)
        // Three quarters of it at least: the two processes' other memory differs by a few MiB either way.
        #expect(difference >= Double(megabytes * threads) * 0.75, "resident memory is \(difference) MiB more with the reserve")
    }

    @Test func anOutOfRangeReserveIsRefused() async throws {
        for value in ["-1", "33"] {
            let refused = try await CLI.running(["serve", "--port", "0", "--memory-reserve=\(value)"])
            #expect(refused.status == 64, "\(value): \(refused.stderr)")
            #expect(refused.stderr.contains("the memory reserve must be 0–32 MiB per thread, not '\(value)'"), "\(value): \(refused.stderr)")
        }
        let notANumber = try await CLI.running(["serve", "--port", "0", "--memory-reserve", "lots"])
        #expect(notANumber.status == 64)
        #expect(notANumber.stderr.contains("--memory-reserve"), "\(notANumber.stderr)")
        let fromEnvironment = try await CLI.running(["serve", "--port", "0"], environment: ["OFFBOARD_MEMORY_RESERVE": "2048"])
        #expect(fromEnvironment.status == 64)
        #expect(fromEnvironment.stderr.contains("the memory reserve must be 0–32 MiB per thread, not '2048'"), "\(fromEnvironment.stderr)")
    }

    /// VmRSS of a process, in MiB.
    static func residentMiB(_ pid: Int32) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kilobytes = try #require(Double(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kilobytes / 1024
    }
}
