import Engine
import Foundation
import ServiceStores
import SQLiteStore
import Synchronization

/// Where runs are stored, opened as `any RunStore`: the CLI and the server never name the store's type.
public enum StoreOpening {
    /// Why a store could not be opened.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// There is no database at the path (a reading command never creates one).
        case missing(String)
        /// It exists and cannot be opened (permissions, corruption, a newer schema).
        case unavailable(String)
        /// Written by an older offboard: opening it once for writing upgrades it.
        case needsUpgrade(String)

        public var description: String {
            switch self {
            case .missing(let text), .unavailable(let text), .needsUpgrade(let text): text
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

    /// The stores a command opened for writing, closed by `closeAll()` before the process exits.
    private static let opened = Mutex<[SQLiteRunStore]>([])

    /// Closes every store opened for writing: called once a command has finished, so the database file is
    /// complete on its own when the process has gone, whatever thread would otherwise have let go of it last.
    public static func closeAll() {
        for store in opened.withLock({ stores in defer { stores = [] }; return stores }) { store.close() }
    }

    /// Opens (creating and migrating when needed) the store at `path` for reading and writing.
    public static func open(_ path: String) throws(Failure) -> any ServiceStore {
        do {
            let store = try SQLiteRunStore(path: path)
            opened.withLock { $0.append(store) }
            return store
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
            if case .needsUpgrade = failure { throw .needsUpgrade("\(failure)") }
            throw .unavailable("\(failure)")
        } catch {
            throw .unavailable("cannot open the run database \(path) for reading: \(error)")
        }
    }
}

/// Everything the server keeps: runs, tokens, HR events and console sessions, in one store.
public typealias ServiceStore = RunStore & APITokenStore & HookEventStore & ConsoleSessionStore
