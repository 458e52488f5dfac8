import Foundation
import Testing

/// A secret that a failing handler echoes into its error, its output and its log lines is shown
/// nowhere: not in the terminal, the status, the history, the plan, nor the database files.
@Suite struct SecretRedactionTests {
    @Test func aSecretInAFailingHandlersErrorIsRedactedEverywhere() throws {
        let scratch = try RunCommandTests.Scratch()
        let secret = "pw-\(UUID().uuidString)"
        let url = "postgres://admin:\(secret)@db.example.com/crm"
        try FileManager.default.createDirectory(atPath: "\(scratch.directory)/secrets", withIntermediateDirectories: true)
        try "\(url)\n".write(toFile: "\(scratch.directory)/secrets/CRM_DB_URL", atomically: true, encoding: .utf8)
        try scratch.write("leaky.yaml", """
            playbook: leaky
            version: 1
            steps:
              - id: leak
                uses: command
                retry: { attempts: 2, backoff: fixed, initial: 1s }
                with:
                  argv: [/bin/sh, -c, 'echo "{\\"url\\": \\"$DB\\"}"; echo "connect failed: $DB (password ${DB##*admin:})" >&2; exit 3']
                  env: { DB: "${secret:CRM_DB_URL}" }
            """)
        let run = try scratch.offboard(["run", "leaky.yaml", "--secrets-dir", "secrets"])
        #expect(run.status == 1)
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try scratch.offboard(["status", id, "--format", "json"]).stdout
        #expect(status.contains("connect failed: ${secret:CRM_DB_URL}"), "\(status)")
        let shown = [run.stdout, run.stderr, status,
                     try scratch.offboard(["status", id]).stdout,
                     try scratch.offboard(["history", id, "--format", "json"]).stdout,
                     try scratch.offboard(["history", id]).stdout,
                     try scratch.offboard(["plan", "leaky.yaml", "--format", "json"]).stdout]
        for text in shown {
            #expect(!text.contains(secret), "the secret leaked into: \(text)")
        }
        for file in ["runs.sqlite", "runs.sqlite-wal"] {
            let bytes = FileManager.default.contents(atPath: "\(scratch.directory)/\(file)") ?? Data()
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "the secret is in \(file)")
        }
    }
}
