import Engine
import Foundation
@testable import Handlers
import LDAPClient
import Playbook
import TestServerSupport
import Testing

/// `ldap.disable` and `ldap.enable` against the real slapd the test command starts (ppolicy, StartTLS, a service
/// account that may change people and groups but not `cn=protected`).
@Suite struct LDAPDisableTests {
    static func playbook(directory: String = "openldap", groups: String = "all", moveTo: String? = nil, testPassword: Bool = true, attempts: Int = 1,
                         more: String = "") -> String {
        """
        playbook: ldap
        version: 1
        inputs:
          leaver: { type: string, required: true }
        steps:
          - id: disable
            uses: ldap.disable
            retry: { attempts: \(attempts), backoff: fixed, initial: 1s }
            with:
              url: "${secret:LDAP_URL}"
              start_tls: true
              ca_file: "${secret:LDAP_CA}"
              bind_dn: "${secret:LDAP_BIND_DN}"
              bind_password: "${secret:LDAP_BIND_PASSWORD}"
              directory: \(directory)
              base_dn: ou=people,dc=offboard,dc=test
              value: "{{ inputs.leaver }}"
              groups: \(groups)
              group_base: ou=groups,dc=offboard,dc=test
        """ + (moveTo.map { "\n      move_to: \($0)" } ?? "") + (testPassword ? "\n      test_password: \"${secret:LEAVER_PASSWORD}\"" : "") + "\n" + more
    }

    /// How an `ldap.enable` step in a test's rehire reaches the test directory (its lines under `with:`).
    static let rehireConnection = """
              url: "${secret:LDAP_URL}"
              start_tls: true
              ca_file: "${secret:LDAP_CA}"
              bind_dn: "${secret:LDAP_BIND_DN}"
              bind_password: "${secret:LDAP_BIND_PASSWORD}"
        """

    static func run(_ yaml: String, ldap: TestLDAP, password: String? = nil) throws -> PlaybookRun {
        try PlaybookRun(yaml, secrets: ["LDAP_URL": ldap.url, "LDAP_CA": ldap.caFile, "LDAP_BIND_DN": ldap.serviceDN,
                                        "LDAP_BIND_PASSWORD": password ?? ldap.servicePassword, "LEAVER_PASSWORD": "leaver-pw"])
    }

    /// A person with a password, in a group shared with someone else, a posixGroup, and a group of which they are the
    /// only member; returns their DN and the groups' DNs.
    static func leaver(_ ldap: TestLDAP, _ admin: LDAPConnection, uid: String, lockable: Bool = false) async throws -> (dn: String, shared: String, posix: String, solo: String) {
        let dn = "uid=\(uid),\(ldap.people)"
        try await admin.add(dn, [("objectClass", ["inetOrgPerson"] + (lockable ? ["offboardTestLockable"] : [])), ("uid", [uid]), ("cn", ["Leaver \(uid)"]),
                                 ("sn", ["Leaver"]), ("mail", ["\(uid)@example.com"]), ("userPassword", ["leaver-pw"])])
        let colleague = "uid=\(uid)-colleague,\(ldap.people)"
        try await admin.add(colleague, [("objectClass", ["inetOrgPerson"]), ("uid", ["\(uid)-colleague"]), ("cn", ["Colleague"]), ("sn", ["C"])])
        let shared = "cn=\(uid)-crm,\(ldap.groups)", posix = "cn=\(uid)-unix,\(ldap.groups)", solo = "cn=\(uid)-solo,\(ldap.groups)"
        try await admin.add(shared, [("objectClass", ["groupOfNames"]), ("cn", ["\(uid)-crm"]), ("member", [dn, colleague])])
        try await admin.add(posix, [("objectClass", ["posixGroup"]), ("cn", ["\(uid)-unix"]), ("gidNumber", ["5000"]), ("memberUid", [uid, "\(uid)-colleague"])])
        try await admin.add(solo, [("objectClass", ["groupOfNames"]), ("cn", ["\(uid)-solo"]), ("member", [dn])])
        return (dn, shared, posix, solo)
    }

    static func admin(_ ldap: TestLDAP) async throws -> LDAPConnection {
        let admin = try await LDAPConnection.open(.init(url: ldap.url))
        try await admin.bind(dn: ldap.adminDN, password: ldap.adminPassword)
        return admin
    }

    @Test func anAccountIsLockedTakenOutOfItsGroupsMovedAndCheckedByABind() async throws {
        let ldap = try TestLDAP.fromEnvironment(), admin = try await Self.admin(ldap)
        let uid = "dis-\(UUID().uuidString.prefix(6).lowercased())"
        let person = try await Self.leaver(ldap, admin, uid: uid)
        // The leaver's password is right: before the step, a bind with it succeeds, so the refusal after means the lock.
        let before = try await LDAPConnection.open(.init(url: ldap.url))
        try await before.bind(dn: person.dn, password: "leaver-pw")
        let run = try Self.run(Self.playbook(moveTo: ldap.leavers), ldap: ldap)
        let report = try await run.run([("leaver", uid)])
        let step = try #require(report.steps.first)
        #expect(report.state == .succeeded, "\(step.error ?? "")")
        #expect(step.removal == .removed)
        #expect(step.removalReport?.system == "LDAP " + ldap.url.dropFirst("ldap://".count), "the directory by host and port")
        let moved = "uid=\(uid),\(ldap.leavers)"
        #expect(step.removalReport?.removed == [
            "account disabled (pwdAccountLockedTime)", "membership of \(person.shared) removed (member)", "membership of \(person.posix) removed (memberUid)",
            "moved to \(ldap.leavers)",
        ], "\(step.removalReport?.removed ?? [])")
        #expect(step.removalReport?.priorState?.contains("kept in \(person.solo): the group would be left with no member") == true, "\(step.removalReport?.priorState ?? "")")
        #expect(step.verification?.holds == true, "\(step.verification?.detail ?? "")")
        #expect(step.verification?.detail.contains("a bind as it is refused (49; ppolicy answers a locked account as it answers a wrong password") == true,
                "\(step.verification?.detail ?? "")")
        // What the directory says, read as its administrator.
        #expect(try await admin.read(moved, attributes: ["pwdAccountLockedTime"])?.value("pwdAccountLockedTime") == "000001010000Z")
        #expect(try await admin.read(person.shared, attributes: ["member"])?.values("member") == ["uid=\(uid)-colleague,\(ldap.people)"])
        #expect(try await admin.read(person.posix, attributes: ["memberUid"])?.values("memberUid") == ["\(uid)-colleague"])
        #expect(try await admin.read(person.solo, attributes: ["member"])?.values("member").count == 1, "the solo group is left as it was")
        let bind = try await LDAPConnection.open(.init(url: ldap.url))
        do {
            try await bind.bind(dn: moved, password: "leaver-pw")
            Issue.record("the leaver still signs in")
        } catch {
            #expect(error.isInvalidCredentials, "\(error)")
        }

        // Again: found in the leavers' OU, nothing left to change.
        let again = try await run.run([("leaver", uid)])
        #expect(again.state == .succeeded && again.steps.first?.removal == .alreadyAbsent, "\(again.steps.first?.error ?? "")")
        #expect(again.steps.first?.removalReport?.priorState?.hasPrefix("\(moved): already disabled") == true)
    }

    @Test func a389AccountIsLockedByNsAccountLockAndARehireIsUndone() async throws {
        let ldap = try TestLDAP.fromEnvironment(), admin = try await Self.admin(ldap)
        let uid = "ns-\(UUID().uuidString.prefix(6).lowercased())"
        let person = try await Self.leaver(ldap, admin, uid: uid, lockable: true)
        let undo = """
              - id: rehire
                uses: ldap.enable
                needs: [disable]
                with:
            \(Self.rehireConnection)
                  directory: 389ds
                  dn: "{{ steps.disable.output.dn }}"
                  memberships: "{{ steps.disable.output.groups_removed }}"
            """
        let run = try Self.run(Self.playbook(directory: "389ds", groups: "[\"\(person.shared)\"]", testPassword: false, more: undo), ldap: ldap)
        let report = try await run.run([("leaver", uid)])
        let disabled = try #require(report.steps.first { $0.id == "disable" })
        #expect(disabled.state == "succeeded", "\(disabled.error ?? "")")
        #expect(disabled.removalReport?.removed == ["account disabled (nsAccountLock)", "membership of \(person.shared) removed (member)"],
                "only the listed group: \(disabled.removalReport?.removed ?? [])")
        let rehired = try #require(report.steps.first { $0.id == "rehire" })
        #expect(rehired.state == "succeeded", "\(rehired.error ?? "")")
        #expect(try await admin.read(person.dn, attributes: ["nsAccountLock"])?.value("nsAccountLock") == nil, "enabled again")
        #expect(try await admin.read(person.shared, attributes: ["member"])?.values("member").contains(person.dn) == true, "a member again")
        #expect(try await admin.read(person.posix, attributes: ["memberUid"])?.values("memberUid").contains(uid) == true, "never removed: not listed")
    }

    @Test func aHostileValueFindsNothingAndChangesNothing() async throws {
        let ldap = try TestLDAP.fromEnvironment(), admin = try await Self.admin(ldap)
        let uid = "hx-\(UUID().uuidString.prefix(6).lowercased())"
        let person = try await Self.leaver(ldap, admin, uid: uid)
        let run = try Self.run(Self.playbook(), ldap: ldap)
        for hostile in ["*)(uid=*", "*", "\(uid))(|(uid=*", #"\2a"#, "uid=\(uid),ou=people", "#\(uid)+x", "\(uid)\\"] {
            let report = try await run.run([("leaver", hostile)])
            #expect(report.state == .succeeded && report.steps.first?.removal == .alreadyAbsent, "\(hostile): \(report.steps.first?.error ?? "")")
        }
        // A NUL (or another control character) never reaches the directory: the input is refused before the run starts.
        await #expect(throws: (any Error).self) { _ = try await run.run([("leaver", "\(uid)\u{0}")]) }
        #expect(try await admin.read(person.dn, attributes: ["pwdAccountLockedTime"])?.value("pwdAccountLockedTime") == nil)
        #expect(try await admin.read(person.shared, attributes: ["member"])?.values("member").count == 2)
    }

    @Test func refusalsFailTheStepAndSayWhatWasDone() async throws {
        let ldap = try TestLDAP.fromEnvironment(), admin = try await Self.admin(ldap)
        // A wrong service password: fatal, never stored.
        let wrong = "wrong-\(UUID().uuidString)"
        let refused = try Self.run(Self.playbook(), ldap: ldap, password: wrong)
        let report = try await refused.run([("leaver", "anyone")])
        #expect(report.state == .failed && report.steps.first?.attempts == 1)
        #expect(report.steps.first?.error?.contains("Invalid credentials (49)") == true, "\(report.steps.first?.error ?? "")")
        #expect(try await !refused.everythingStored(report.id).contains(wrong))
        // A group the service account may not change: the account is disabled, the step fails naming the group.
        let uid = "pr-\(UUID().uuidString.prefix(6).lowercased())"
        let person = try await Self.leaver(ldap, admin, uid: uid)
        try await admin.modify("cn=protected,\(ldap.groups)", [LDAPChange(.add, "member", [person.dn])])
        let run = try Self.run(Self.playbook(), ldap: ldap)
        let failed = try await run.run([("leaver", uid)])
        let step = try #require(failed.steps.first)
        #expect(failed.state == .failed && step.removal == .failed, "\(step.error ?? "")")
        #expect(step.error?.contains("remove \(person.dn) from cn=protected,\(ldap.groups)") == true && step.error?.contains("Insufficient access (50)") == true,
                "\(step.error ?? "")")
        #expect(step.error?.contains("after: account disabled") == true, "says what it did before: \(step.error ?? "")")
        #expect(step.attempts == 1, "a refusal is not retried")
        #expect(try await admin.read("cn=protected,\(ldap.groups)", attributes: ["member"])?.values("member").contains(person.dn) == true)
        #expect(step.removalReport == nil, "a failed step claims nothing")
    }

    @Test func anUnverifiedCertificateOrNoServerFailsBeforeAnythingIsSent() async throws {
        let ldap = try TestLDAP.fromEnvironment()
        let mismatched = try PlaybookRun(Self.playbook(attempts: 3), secrets: ["LDAP_URL": ldap.url, "LDAP_CA": ldap.otherCAFile, "LDAP_BIND_DN": ldap.serviceDN,
                                                                  "LDAP_BIND_PASSWORD": ldap.servicePassword, "LEAVER_PASSWORD": "x"])
        let report = try await mismatched.run([("leaver", "anyone")])
        #expect(report.state == .failed && report.steps.first?.error?.contains("StartTLS") == true, "\(report.steps.first?.error ?? "")")
        #expect(report.steps.first?.error?.contains("the TLS handshake failed") == true && report.steps.first?.error?.contains("check ca_file") == true,
                "\(report.steps.first?.error ?? "")")
        #expect(report.steps.first?.attempts == 1, "an unverified certificate is not retried")
        let nowhere = try PlaybookRun(Self.playbook(), secrets: ["LDAP_URL": "ldap://127.0.0.1:1", "LDAP_CA": ldap.caFile, "LDAP_BIND_DN": ldap.serviceDN,
                                                                "LDAP_BIND_PASSWORD": ldap.servicePassword, "LEAVER_PASSWORD": "x"])
        let unreachable = try await nowhere.run([("leaver", "anyone")])
        #expect(unreachable.state == .failed && unreachable.steps.first?.error?.contains("Can't contact LDAP server (-1)") == true,
                "\(unreachable.steps.first?.error ?? "")")
    }

    /// Samba as a real domain controller, where `userAccountControl` is enforced: a disabled account's bind fails with
    /// `data 533`, and the rehire step signs it in again.
    @Test func anActiveDirectoryAccountIsDisabledItsBindRefusedAndARehireUndoesIt() async throws {
        let ad = try TestAD.fromEnvironment()
        let name = "ad\(UUID().uuidString.prefix(6).lowercased())", password = "Leaver-Pass1!"
        try ad.sambaTool(["user", "create", name, password])
        try ad.sambaTool(["group", "add", "\(name)-crm"])
        try ad.sambaTool(["group", "addmembers", "\(name)-crm", name])
        let connection = """
                  url: "${secret:AD_URL}"
                  ca_file: "${secret:LDAP_CA}"
                  bind_dn: "${secret:AD_BIND_DN}"
                  bind_password: "${secret:AD_BIND_PASSWORD}"
                  directory: active-directory
            """
        let yaml = """
            playbook: ad
            version: 1
            inputs:
              leaver: { type: string, required: true }
            steps:
              - id: disable
                uses: ldap.disable
                retry: { attempts: 1 }
                with:
            \(connection)
                  base_dn: "\(ad.users)"
                  attribute: sAMAccountName
                  value: "{{ inputs.leaver }}"
                  test_password: "${secret:LEAVER_PASSWORD}"
              - id: rehire
                uses: ldap.enable
                needs: [disable]
                with:
            \(connection)
                  dn: "{{ steps.disable.output.dn }}"
                  memberships: "{{ steps.disable.output.groups_removed }}"
            """
        let run = try PlaybookRun(yaml, secrets: ["AD_URL": ad.url, "LDAP_CA": ad.caFile, "AD_BIND_DN": ad.adminDN, "AD_BIND_PASSWORD": ad.adminPassword,
                                                  "LEAVER_PASSWORD": password])
        let dn = "CN=\(name),\(ad.users)", group = "CN=\(name)-crm,\(ad.users)"
        // Between the two steps the account is disabled: the disable step's check bound as it and was refused.
        let report = try await run.run([("leaver", name)])
        let disabled = try #require(report.steps.first { $0.id == "disable" })
        #expect(disabled.state == "succeeded", "\(disabled.error ?? "")")
        #expect(disabled.removalReport?.removed == ["account disabled (userAccountControl)", "membership of \(group) removed (member)"],
                "\(disabled.removalReport?.removed ?? [])")
        #expect(disabled.removalReport?.priorState?.hasPrefix("\(dn): enabled (userAccountControl 512)") == true, "\(disabled.removalReport?.priorState ?? "")")
        #expect(disabled.verification?.holds == true && disabled.verification?.detail.contains("refused (49, account disabled)") == true,
                "\(disabled.verification?.detail ?? "")")
        let rehired = try #require(report.steps.first { $0.id == "rehire" })
        #expect(rehired.state == "succeeded", "\(rehired.error ?? "")")
        let admin = try await LDAPConnection.open(.init(url: ad.url, caFile: ad.caFile))
        try await admin.bind(dn: ad.adminDN, password: ad.adminPassword)
        #expect(try await admin.read(dn, attributes: ["userAccountControl"])?.value("userAccountControl") == "512", "enabled again, other bits as they were")
        #expect(try await admin.read(group, attributes: ["member"])?.values("member").contains { $0.caseInsensitiveCompare(dn) == .orderedSame } == true)
        let signIn = try await LDAPConnection.open(.init(url: ad.url, caFile: ad.caFile))
        try await signIn.bind(dn: dn, password: password)
    }

    @Test func aUserInNoGroupNoGroupsAndAListedGroupThatDoesNotExist() async throws {
        let ldap = try TestLDAP.fromEnvironment(), admin = try await Self.admin(ldap)
        let uid = "ng-\(UUID().uuidString.prefix(6).lowercased())", dn = "uid=\(uid),\(ldap.people)"
        try await admin.add(dn, [("objectClass", ["inetOrgPerson"]), ("uid", [uid]), ("cn", ["No Groups"]), ("sn", ["N"]), ("userPassword", ["leaver-pw"])])
        let alone = try await Self.run(Self.playbook(), ldap: ldap).run([("leaver", uid)])
        let step = try #require(alone.steps.first)
        #expect(alone.state == .succeeded && step.removalReport?.removed == ["account disabled (pwdAccountLockedTime)"], "\(step.error ?? "")")
        #expect(step.removalReport?.priorState?.hasSuffix("in 0 group(s) under \(ldap.groups)") == true, "\(step.removalReport?.priorState ?? "")")
        // groups: none says the groups were not looked at, in the evidence and the check alike.
        let otherUID = "nn-\(UUID().uuidString.prefix(6).lowercased())"
        let other = try await Self.leaver(ldap, admin, uid: otherUID)
        let none = try await Self.run(Self.playbook(groups: "none"), ldap: ldap).run([("leaver", otherUID)])
        #expect(none.steps.first?.removalReport?.priorState?.contains("groups not checked") == true, "\(none.steps.first?.removalReport?.priorState ?? "")")
        #expect(none.steps.first?.verification?.detail.contains("groups not checked") == true)
        #expect(try await admin.read(other.shared, attributes: ["member"])?.values("member").contains(other.dn) == true)
        // A listed group that does not exist fails the step: a list that names nothing proves nothing.
        let listed = try await Self.run(Self.playbook(groups: "[\"cn=no-such-group,\(ldap.groups)\"]"), ldap: ldap).run([("leaver", uid)])
        #expect(listed.state == .failed && listed.steps.first?.error?.contains("cn=no-such-group") == true, "\(listed.steps.first?.error ?? "")")
        // ldap:// without start_tls is refused before anything is sent.
        let plain = try await Self.run(Self.playbook().replacingOccurrences(of: "start_tls: true", with: "start_tls: false"), ldap: ldap).run([("leaver", uid)])
        #expect(plain.state == .failed && plain.steps.first?.error?.contains("allow_plaintext") == true, "\(plain.steps.first?.error ?? "")")
    }

    @Test func aRehireMovesTheEntryBackAndLeavesAnAccountDisabledBeforehandDisabled() async throws {
        let ldap = try TestLDAP.fromEnvironment(), admin = try await Self.admin(ldap)
        let uid = "rh-\(UUID().uuidString.prefix(6).lowercased())"
        let person = try await Self.leaver(ldap, admin, uid: uid)
        try await admin.modify(person.dn, [LDAPChange(.replace, "pwdAccountLockedTime", ["000001010000Z"])])  // disabled before offboarding
        let undo = """
              - id: rehire
                uses: ldap.enable
                needs: [disable]
                with:
            \(Self.rehireConnection)
                  dn: "{{ steps.disable.output.dn }}"
                  memberships: "{{ steps.disable.output.groups_removed }}"
                  original_dn: "{{ steps.disable.output.moved_from }}"
                  was_disabled: "{{ steps.disable.output.was_disabled }}"
            """
        let report = try await Self.run(Self.playbook(moveTo: ldap.leavers, testPassword: false, more: undo), ldap: ldap).run([("leaver", uid)])
        let rehired = try #require(report.steps.first { $0.id == "rehire" })
        #expect(report.state == .succeeded, "\(report.steps.map { $0.error ?? "" })")
        #expect(try await admin.read(person.dn, attributes: ["pwdAccountLockedTime"])?.value("pwdAccountLockedTime") == "000001010000Z",
                "back where it was, and still disabled: it was before the step")
        #expect(try await admin.read(person.shared, attributes: ["member"])?.values("member").contains(person.dn) == true)
        #expect(try await admin.read(person.posix, attributes: ["memberUid"])?.values("memberUid").contains(uid) == true)
        #expect(rehired.output.map { "\($0)" }?.contains("moved back") == true, "\(rehired.output.map { "\($0)" } ?? "")")
    }

    @Test func activeDirectoryKeepsEveryOtherBit() {
        let entry = LDAPEntry(dn: "CN=Jordan Ryan,CN=Users,DC=offboard,DC=test", attributes: ["userAccountControl": ["66048"]])  // 0x10200
        let flavour = DirectoryFlavour.activeDirectory
        #expect(flavour.state(of: entry) == .enabled("userAccountControl 66048"))
        #expect(flavour.disable(entry) == [LDAPChange(.delete, "userAccountControl", ["66048"]), LDAPChange(.add, "userAccountControl", ["66050"])])
        let disabled = LDAPEntry(dn: entry.dn, attributes: ["userAccountControl": ["66050"]])
        #expect(flavour.state(of: disabled).isDisabled)
        #expect(flavour.enable(disabled) == [LDAPChange(.delete, "userAccountControl", ["66050"]), LDAPChange(.add, "userAccountControl", ["66048"])])
        #expect(flavour.state(of: LDAPEntry(dn: entry.dn, attributes: [:])) == .unreadable("no readable userAccountControl"))
    }
}
