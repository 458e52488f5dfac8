import Engine
import Foundation
import Logging
import ServiceLifecycle

/// Runs the hook processor as a service: at start (events recorded before a crash are acted on then), whenever a
/// delivery is recorded, and every few seconds in case another process recorded one.
public final class HookService: Service, Sendable {
    public let processor: HookProcessor
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    private let dispatcher: HookDispatcher

    public init(processor: HookProcessor) {
        self.processor = processor
        dispatcher = HookDispatcher(processor: processor)
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Says a delivery was recorded: the processor looks at once.
    public func recorded() { signal.yield() }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [processor, dispatcher, signals] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: 5_000_000_000)
                        self.recorded()
                    }
                }
                do { try await dispatcher.dispatch() } catch { processor.logger.error("hook events could not be acted on: \(error)") }
                for await _ in signals {
                    if Task.isCancelled { break }
                    do { try await dispatcher.dispatch() } catch { processor.logger.error("hook events could not be acted on: \(error)") }
                }
                group.cancelAll()
            }
            // Stopping: the events in hand are finished while the worker still runs (it stops after this service).
            await dispatcher.drain()
        }
    }
}
