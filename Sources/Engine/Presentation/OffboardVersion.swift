/// The version of offboard and of the formats it reads and writes, as `offboard --version` prints them.
public enum OffboardVersion {
    /// The release (CHANGELOG.md lists what each changed).
    public static let release = "0.6.0"
    /// The playbook language's version: playbooks written for it keep validating in later releases.
    public static let playbookFormat = 1

    /// `offboard 0.6.0 (playbook format 1, evidence format offboard-evidence/2)`.
    public static var line: String {
        "offboard \(release) (playbook format \(playbookFormat), evidence format \(EvidencePack.formatName))"
    }
}
