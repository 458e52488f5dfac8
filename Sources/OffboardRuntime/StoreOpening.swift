import Engine
import Foundation
import SQLiteStore

/// Where runs are stored, opened as `any RunStore`: the CLI and the server never name the store's type.
public enum StoreOpening {
    /// Why a store could not be opened.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// There is no database at the path (a reading command never creates one).
        case missing(String)
        /// It exists and cannot be opened (permissions, corruption, a newer schema).
        case unavailable(String)

        public var description: String {
            switch self {
            case .missing(let text), .unavailable(let text): text
            }
        }
    }

    /// The default database: env `OFFBOARD_DB`, else `$XDG_DATA_HOME/offboard/offboard.sqlite`.
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["OFFBOARD_DB"], !path.isEmpty { return path }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share")
        return (dataHome as NSString).appendingPathComponent("offboard/offboard.sqlite")
    }

    /// Opens (creating and migrating when needed) the store at `path` for reading and writing.
    public static func open(_ path: String) throws(Failure) -> any ServiceStore {
        do {
            return try SQLiteRunStore(path: path)
        } catch {
            throw .unavailable("cannot open the run database \(path): \(error)")
        }
    }

    /// Opens the store for a command that only reads: never creates, migrates or writes it.
    public static func openReadOnly(_ path: String) throws(Failure) -> any RunStore {
        do {
            return try SQLiteRunStore(readingOnly: path)
        } catch let failure as SQLiteRunStore.ReadOnlyFailure {
            if case .missing = failure { throw .missing("\(failure)") }
            throw .unavailable("\(failure)")
        } catch {
            throw .unavailable("cannot open the run database \(path) for reading: \(error)")
        }
    }
}
