import Engine
import CFuzzer
import Foundation
import Handlers
import Playbook

/// Bytes as a leaver record (JSON or YAML) and as `--set` text, bound to a playbook with an input of every
/// type, then planned: what an HR system sends can only give field-by-field errors, never a crash.
let playbookText = """
    playbook: record
    version: 1
    inputs:
      employee_id: { type: string, required: true }
      email: { type: email, personal: true }
      leave_at: { type: datetime }
      day: { type: date }
      count: { type: int }
      flag: { type: bool }
      wait: { type: duration }
      zone: { type: timezone, default: UTC }
      reason: { type: string, values: [a, b] }
      devices: { type: list, items: object, default: [] }
      extra: { type: object }
    leave_time: "{{ inputs.leave_at }}"
    timezone: "{{ inputs.zone }}"
    steps:
      - { id: note, uses: log, with: { message: "{{ inputs.employee_id }} {{ inputs.email }}" } }
      - { id: each, uses: log, for_each: "{{ inputs.devices }}", with: { message: "device {{ item.asset_tag }}" } }
    """
let playbook: Playbook = {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("offboard-fuzz-records-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("record.yaml").path
    try? playbookText.write(toFile: path, atomically: true, encoding: .utf8)
    let result = PlaybookLoader(catalog: BuiltInHandlers.registry()).load(path: path)
    guard let playbook = result.playbook else { fatalError("the harness playbook is invalid: \(result.diagnostics)") }
    return playbook
}()
let names = ["employee_id", "email", "leave_at", "day", "count", "flag", "wait", "zone", "reason", "devices", "extra"]

func fuzzRecords(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let now = Date(timeIntervalSince1970: 1_796_000_000)
    if let record = YAMLComposer.compose(bytes, file: "record.json").root {
        _ = try? InputBinder.bind(playbook, record: record, overrides: [], now: now)
    }
    let text = String(decoding: bytes, as: UTF8.self)
    let name = names[Int(bytes.first ?? 0) % names.count]
    if let inputs = try? InputBinder.bind(playbook, record: nil, overrides: [(name: "employee_id", value: "E1"), (name: name, value: text)], now: now) {
        _ = PlanBuilderProbe.plan(playbook, inputs, now)
    }
    return 0
}

/// Plans synchronously enough for a fuzzer: no handler is asked to look at a real target.
enum PlanBuilderProbe {
    static func plan(_ playbook: Playbook, _ inputs: BoundInputs, _ now: Date) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = await Planner(registry: BuiltInHandlers.registry()).plan(playbook, inputs: inputs, now: now)
            done.signal()
        }
        done.wait()
        return true
    }
}

// The program's own main hands control to libFuzzer, which calls the function above with each input.
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, { data, size in fuzzRecords(data, size) }))
