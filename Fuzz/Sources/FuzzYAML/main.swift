import CFuzzer
import Foundation
import Handlers
import Playbook

/// Bytes as a playbook file: libyaml, the composer (limits, aliases, marks), decoding, `extends`-free
/// resolution and every validation check. Only diagnostics may come out.
let catalog = BuiltInHandlers.registry()
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("offboard-fuzz-yaml-\(getpid())")
let path = directory.appendingPathComponent("playbook.yaml").path

func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = YAMLComposer.compose(bytes, file: "fuzz.yaml")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return 0 }
    _ = PlaybookLoader(catalog: catalog, root: directory).load(path: path)
    return 0
}

// The program's own main hands control to libFuzzer, which calls the function above with each input.
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, { data, size in fuzzYAML(data, size) }))
