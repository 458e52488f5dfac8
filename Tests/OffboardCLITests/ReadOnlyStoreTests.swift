import Foundation
import Testing

/// The commands that only read work on an auditor's copy of the database on read-only media, and never
/// create a database that is not there.
@Suite struct ReadOnlyStoreTests {
    /// Runs `command` as root (the test machines are), returning its status.
    @discardableResult
    static func shell(_ command: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func readingCommandsWorkOnACopyOnAReadOnlyFileSystem() throws {
        let (scratch, id) = try VerifyCommandTests.finishedRun()
        let mount = scratch.directory + "/audit"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        // A read-only file system of its own (a tmpfs remounted read-only), as an auditor's USB stick or share.
        try #require(try Self.shell("mount -t tmpfs tmpfs '\(mount)' && cp '\(scratch.directory)/runs.sqlite' '\(mount)/' && mount -o remount,ro '\(mount)'") == 0,
                     "this test needs to mount a tmpfs (it runs as root)")
        defer { _ = try? Self.shell("umount '\(mount)'") }
        #expect(!FileManager.default.fileExists(atPath: "\(mount)/runs.sqlite-wal"), "the copy is the checkpointed file alone")
        let copy = ["--db", "\(mount)/runs.sqlite"]
        for command in [["list"], ["status", id], ["history", id], ["tasks"], ["verify", id], ["evidence", id, "--format", "json"]] {
            let outcome = try CLI.run(command + copy)
            #expect(outcome.status == 0, "\(command[0]) on a read-only copy: \(outcome.stderr)")
        }
        #expect(try CLI.run(["verify", id] + copy).stdout.contains("\(id): intact"))
        let write = try CLI.run(["cancel", id, "--reason", "x"] + copy)
        #expect(write.status != 0, "a writing command cannot write a read-only copy")
    }
}
