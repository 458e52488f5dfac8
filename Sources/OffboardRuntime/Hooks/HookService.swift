import Engine
import Foundation
import ServiceStores
import Logging
import ServiceLifecycle

/// Runs the hook processor as a service: at start (events recorded before a crash are acted on then), on each
/// delivery this server records (handed over in memory, already claimed for it, in the order recorded), and every
/// few seconds in case another process recorded one.
public final class HookService: Service, Sendable {
    public let processor: HookProcessor
    private let dispatcher: HookDispatcher

    public init(processor: HookProcessor) {
        self.processor = processor
        dispatcher = HookDispatcher(processor: processor)
    }

    /// The claim to record a delivery with: once it is durable, this service acts on it at once, with no claim of its
    /// own. (Were this server to stop first, its claim lapses, or is taken over as soon as its process is gone.)
    public func claim(now: Date) -> HookClaim { dispatcher.claim(now: now) }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [processor, dispatcher] in
            do { try await dispatcher.dispatch() } catch { processor.logger.error("hook events could not be acted on: \(error)") }
            // Only after the first claim: an event recorded before this server started (or by a server now gone)
            // is in hand before a newer one about the same employee, which waits for it.
            dispatcher.open()
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 5_000_000_000)
                if Task.isCancelled { break }
                do { try await dispatcher.dispatch() } catch { processor.logger.error("hook events could not be acted on: \(error)") }
            }
            // Stopping: the events in hand are finished while the worker still runs (it stops after this service).
            dispatcher.close()
            await dispatcher.drain()
        }
    }
}
