import Foundation
import Testing

/// What the repository ships for running `offboard serve` for real: the systemd unit passes `systemd-analyze
/// verify` (with no warning), and every setting in the environment file is one `offboard serve --help` documents.
@Suite struct DeploymentTests {
    @Test func theSystemdUnitVerifies() throws {
        let unit = try String(contentsOfFile: "\(CLI.repositoryRoot)/deploy/offboard.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/offboard serve"))
        // systemd checks that the binary exists: point the copy at the one just built.
        let directory = NSTemporaryDirectory() + "offboard-unit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try unit.replacingOccurrences(of: "/usr/local/bin/offboard", with: CLI.binary).write(toFile: "\(directory)/offboard.service", atomically: true, encoding: .utf8)
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        verify.arguments = ["verify", "\(directory)/offboard.service"]
        let errors = Pipe()
        verify.standardError = errors
        verify.standardOutput = FileHandle.nullDevice
        try verify.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0, "\(text)")
        #expect(text.isEmpty, "systemd-analyze has something to say: \(text)")
    }

    @Test func everySettingInTheEnvironmentFileIsAnOptionServeReads() throws {
        let help = try CLI.run(["serve", "--help"]).stdout
        let file = try String(contentsOfFile: "\(CLI.repositoryRoot)/deploy/offboard.env", encoding: .utf8)
        let names = file.split(separator: "\n").map { $0.hasPrefix("#") ? $0.dropFirst() : $0 }
            .compactMap { line -> String? in line.hasPrefix("OFFBOARD_") ? String(line.prefix { $0 != "=" }) : nil }
        #expect(names.count >= 8)
        for name in names { #expect(help.contains(name), "\(name) is not read by offboard serve") }
    }
}
