import Foundation

/// The test OpenLDAP server (scripts/test-servers.sh): its ldap:// (StartTLS) and ldaps:// URLs, the CA that signed its
/// certificate and one that did not, its base, and two accounts: the directory's administrator (for setting up
/// entries) and the service account offboard binds as (which may change people and groups, except `cn=protected`).
public struct TestLDAP: Sendable {
    public let url: String
    public let ldapsURL: String
    public let caFile: String
    public let otherCAFile: String
    public let base: String
    public let adminDN: String
    public let adminPassword: String
    public let serviceDN: String
    public let servicePassword: String

    public static func fromEnvironment() throws -> TestLDAP {
        TestLDAP(url: try TestServers.required("OFFBOARD_TEST_LDAP_URL", "LDAP server"),
                 ldapsURL: try TestServers.required("OFFBOARD_TEST_LDAPS_URL", "LDAPS URL"),
                 caFile: try TestServers.required("OFFBOARD_TEST_LDAP_CA", "LDAP CA"),
                 otherCAFile: try TestServers.required("OFFBOARD_TEST_LDAP_OTHER_CA", "second CA"),
                 base: try TestServers.required("OFFBOARD_TEST_LDAP_BASE", "LDAP base"),
                 adminDN: try TestServers.required("OFFBOARD_TEST_LDAP_ADMIN_DN", "LDAP administrator"),
                 adminPassword: try TestServers.required("OFFBOARD_TEST_LDAP_ADMIN_PASSWORD", "LDAP administrator's password"),
                 serviceDN: try TestServers.required("OFFBOARD_TEST_LDAP_SERVICE_DN", "LDAP service account"),
                 servicePassword: try TestServers.required("OFFBOARD_TEST_LDAP_SERVICE_PASSWORD", "LDAP service account's password"))
    }

    public var people: String { "ou=people,\(base)" }
    public var groups: String { "ou=groups,\(base)" }
    public var leavers: String { "ou=leavers,\(base)" }
}

/// The test Active Directory (Samba as a domain controller, scripts/test-servers.sh): LDAPS on 127.0.0.1:636 under the
/// test CA, its base, and its Administrator; `samba-tool` makes users and groups for a test.
public struct TestAD: Sendable {
    public let url: String
    public let base: String
    public let adminDN: String
    public let adminPassword: String
    public let caFile: String

    public static func fromEnvironment() throws -> TestAD {
        TestAD(url: try TestServers.required("OFFBOARD_TEST_AD_URL", "Active Directory (Samba)"),
               base: try TestServers.required("OFFBOARD_TEST_AD_BASE", "Active Directory base"),
               adminDN: try TestServers.required("OFFBOARD_TEST_AD_ADMIN_DN", "Active Directory administrator"),
               adminPassword: try TestServers.required("OFFBOARD_TEST_AD_ADMIN_PASSWORD", "Active Directory administrator's password"),
               caFile: try TestServers.required("OFFBOARD_TEST_LDAP_CA", "LDAP CA"))
    }

    public var users: String { "CN=Users,\(base)" }

    /// Runs `samba-tool ARGUMENTS` against the domain controller as its Administrator; throws with its output when it fails.
    public func sambaTool(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/samba-tool")
        process.arguments = arguments + ["-H", "ldap://127.0.0.1", "-U", "Administrator", "--password=\(adminPassword)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestServerMissing(description: "samba-tool \(arguments.joined(separator: " ")): \(said)") }
    }
}
