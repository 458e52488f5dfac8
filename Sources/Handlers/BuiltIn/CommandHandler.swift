import Engine
import Playbook

/// `command`: runs a program with an argument vector, never through a shell.
public struct CommandHandler: StepHandler {
    public init() {}

    public let type = "command"
    public let summary = "Runs a program with an argument list (never a shell); a JSON object on stdout becomes the step's output."

    public var parameters: ParameterSchema {
        ParameterSchema([
            ParameterField("argv", .list(.string), required: true, description: "the program and its arguments, one list element each"),
            ParameterField("env", .map(.string), description: "environment variables of the child; values may use ${secret:NAME}", acceptsSecrets: true),
            ParameterField("inherit_env", .list(.string),
                           description: "names of the engine's own environment variables the child also gets (never OFFBOARD_SECRET_*); otherwise only PATH, HOME, LANG, LC_ALL, TZ, TMPDIR"),
            ParameterField("cwd", .string, description: "working directory"),
            ParameterField("timeout", .duration, description: "kill the process group after this long"),
        ])
    }

    public func plan(_ request: HandlerPlanRequest) async throws -> ActionPreview {
        let argv = request.strings("argv").map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
        var details: [String] = []
        if case .object(let env)? = request.parameters["env"], !env.isEmpty {
            details.append("environment: " + env.keys.sorted().joined(separator: ", "))
        }
        let inherited = request.strings("inherit_env")
        if !inherited.isEmpty { details.append("inherits from the engine: " + inherited.joined(separator: ", ")) }
        if request.parameters["cwd"] != nil { details.append("in directory \(request.text("cwd"))") }
        return ActionPreview("run \(argv) (argument list, no shell)", details: details)
    }
}
