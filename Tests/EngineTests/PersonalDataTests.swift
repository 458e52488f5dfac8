import Engine
import Foundation
import Playbook
import Testing

/// Personal values become tokens in journaled events and come back on replay, including values
/// JSON writes escaped.
@Suite struct PersonalDataTests {
    @Test func valuesAreConcealedAndRevealedWhereverTheyAppear() throws {
        let playbook = try EngineFixtures.playbook("""
            playbook: pd
            version: 1
            inputs:
              name: { type: string, required: true, personal: true }
              path: { type: string, required: true, personal: true }
              id: { type: string, required: true }
            steps:
              - { id: a, uses: log, with: { message: x } }
            """)
        let personal = PersonalData(playbook: playbook, inputs: [
            "name": .string("Dara \"DJ\" O'Neil"), "path": .string("/home/dara"), "id": .string("E1"),
        ])
        let key = InstanceKey(step: "a")
        let event = RunEvent.step(instance: key, event: .succeed(output: JSONValueBox(.object([
            "message": .string("bye Dara \"DJ\" O'Neil, files in /home/dara/x; id E1"),
        ]))))
        let concealed = personal.conceal(event)
        #expect(concealed == .step(instance: key, event: .succeed(output: JSONValueBox(.object([
            "message": .string("bye ⟪name⟫, files in ⟪path⟫/x; id E1"),
        ])))))
        #expect(personal.reveal(concealed) == event)
        let plain = RunEvent.step(instance: key, event: .start(attempt: 1))
        #expect(personal.conceal(plain) == plain)
    }
}
