import ArgumentParser
import Foundation
import Playbook
import OffboardRuntime

/// Where runs are stored, and who is acting.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The run database (default: env OFFBOARD_DB, else $XDG_DATA_HOME/offboard/offboard.sqlite).", valueName: "path"))
    var db: String?

    var databasePath: String { db ?? StoreOpening.defaultPath }

    func openStore() throws -> any RunStore { try openServiceStore() }

    /// The store with the server's tables too (API tokens, HR events).
    func openServiceStore() throws -> any ServiceStore {
        do {
            return try StoreOpening.open(databasePath)
        } catch {
            Output.error("error: \(error)")
            throw ExitCodes.storeUnavailable
        }
    }

    /// Opens the database for a command that only reads: never creates, migrates or writes it (an auditor's
    /// copy on read-only media works); exits 66 when there is no file, 69 when it cannot be read.
    func openReadOnly() throws -> any RunStore {
        do {
            return try StoreOpening.openReadOnly(databasePath)
        } catch {
            Output.error("error: \(error)")
            if case .missing = error { throw ExitCodes.notFound }
            if case .needsUpgrade = error { Output.error("hint: run a writing command once, such as offboard worker --until-idle") }
            throw ExitCodes.storeUnavailable
        }
    }

    /// The run database opened for reading, and the run read from it (exits 66 when there is no such run).
    func read(_ id: String) async throws -> (RunReading, StoredRun) {
        let database = try openReadOnly()
        return (RunReading(store: database, registry: try HandlerSetup.registryOrExit()), try await loadRun(id, from: database))
    }

    /// Loads a run, or exits 66 naming it.
    func loadRun(_ id: String, from store: any RunStore) async throws -> StoredRun {
        guard let run = try await store.loadRun(id) else {
            Output.error("error: no run \(id) in \(databasePath)")
            throw ExitCodes.notFound
        }
        return run
    }
}

/// Where handlers find `${secret:NAME}` values: `OFFBOARD_SECRET_NAME` in the environment first, then
/// the file NAME in the secrets directory.
struct SecretOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory of secret files, one per name (default: env OFFBOARD_SECRETS_DIR). "
                                            + "The environment variable OFFBOARD_SECRET_NAME wins over the file NAME.", valueName: "dir"))
    var secretsDir: String?

    var resolver: any SecretResolver {
        let directory = secretsDir ?? ProcessInfo.processInfo.environment["OFFBOARD_SECRETS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        guard let directory else { return EnvironmentSecretResolver() }
        return ChainedSecretResolver([EnvironmentSecretResolver(), DirectorySecretResolver(directory: directory)])
    }
}

/// Who is acting (recorded with starts, cancellations and redrives).
struct ActorOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Who is acting, for the record (default: $USER).", valueName: "name"))
    var by: String?

    var name: String { by ?? ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName }
}

/// A leaver's record: `--input` and `--set`, bound to a playbook's inputs.
struct LeaverInputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The leaver's record: a JSON (or YAML) object of input values.", valueName: "record.json"))
    var input: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set one input (repeatable; overrides the record). Lists and objects as JSON.", valueName: "name=value"))
    var assignments: [String] = []

    func validate() throws { _ = try CommandInput.pairs(assignments, option: "--set") }

    /// Binds the record and assignments, printing diagnostics and exiting 65/66 on bad input. A date or
    /// datetime input may be written `now` (this moment); a leave time already past is warned about.
    func bind(to playbook: Playbook, now: Date) throws -> BoundInputs {
        var record: YAMLNode?
        if let input {
            guard let data = FileManager.default.contents(atPath: input) else {
                Output.error("error: cannot read leaver record \(input)")
                throw ExitCodes.notFound
            }
            let result = YAMLComposer.compose(Array(data), file: input)
            Output.printDiagnostics(result.diagnostics)
            guard let root = result.root, !result.diagnostics.containsErrors else { throw ExitCodes.badInput }
            record = root
        }
        let overrides = try CommandInput.pairs(assignments, option: "--set")
        do {
            let inputs = try LeaverRecord.bind(record, overrides: overrides, overridesLabel: "--set", to: playbook, now: now)
            Output.printDiagnostics(inputs.warnings)
            return inputs
        } catch {
            Output.printDiagnostics(error.diagnostics)
            throw ExitCodes.badInput
        }
    }
}
