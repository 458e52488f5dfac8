import Engine
import Foundation
import Metrics
import OffboardRuntime
import Playbook
import Prometheus
import Synchronization

/// What `/metrics` shows, in the Prometheus text format: step attempts and their durations by handler, and the
/// time from the leave time to each verified access removal, counted as the worker journals them (swift-metrics,
/// backed by swift-prometheus); runs by state, overdue steps and open tasks per assignee, read from the store
/// at each scrape; refused hook deliveries by source.
public final class ServerMetrics: RunObserver, Sendable {
    public static let timeToRevoke = "offboard_time_to_revoke_seconds"

    public let registry: PrometheusCollectorRegistry
    /// When each attempt in flight started, by `run/instance`, for its duration.
    private let started = Mutex<[String: Date]>([:])
    /// Label values seen on the scrape-time gauges, so one that drops to none reads 0, not its last value.
    private let seen = Mutex<Set<[String]>>([])

    /// Makes the registry and bootstraps swift-metrics with it (once per process).
    public static func bootstrap() -> ServerMetrics {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                                   .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)]
        // Seconds from the leave time: negative when access went before the leaver did.
        factory.valueHistogramBuckets[timeToRevoke] = [-86_400, -3_600, -60, 0, 1, 5, 30, 60, 300, 900, 3_600, 14_400, 86_400, 604_800]
        MetricsSystem.bootstrap(factory)
        return ServerMetrics(registry: registry)
    }

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    public func recorded(runID: String, entries: [JournalEntry], state: RunState) {}

    public func recorded(runID: String, entries: [JournalEntry], core: RunCore) {
        for entry in entries {
            guard case .step(let instance, let event) = entry.event, let step = core.step(instance.step) else { continue }
            let key = "\(runID)/\(instance)", handler = [("handler", step.uses)]
            switch event {
            case .start:
                Counter(label: "offboard_step_attempts_total", dimensions: handler).increment()
                started.withLock { $0[key] = entry.at }
            case .succeed(_, let verification, let removal):
                finish(key, handler: step.uses, outcome: "succeeded", at: entry.at)
                if removal?.change == .removed, verification?.holds == true, let leave = core.leaveTime(now: entry.at) {
                    Recorder(label: Self.timeToRevoke, dimensions: handler, aggregate: true).record(entry.at.timeIntervalSince(leave))
                }
            case .fail: finish(key, handler: step.uses, outcome: "failed", at: entry.at)
            case .interrupt, .cancel: _ = started.withLock { $0.removeValue(forKey: key) }
            default: break
            }
        }
    }

    private func finish(_ key: String, handler: String, outcome: String, at: Date) {
        guard let start = started.withLock({ $0.removeValue(forKey: key) }) else { return }
        Metrics.Timer(label: "offboard_step_duration_seconds", dimensions: [("handler", handler), ("outcome", outcome)])
            .recordNanoseconds(Int64(max(0, at.timeIntervalSince(start)) * 1e9))
    }

    /// A delivery refused by its source's verification.
    func hookRefused(source: String) {
        Counter(label: "offboard_hook_refusals_total", dimensions: [("source", source)]).increment()
    }

    /// Reads the store's gauges, then the whole registry as Prometheus text.
    func scrape(_ runtime: ServerRuntime) async throws -> String {
        let counts = try await runtime.store.runCounts()
        for state in RunState.allCases {
            gauge("offboard_runs", ["state", state.rawValue], Double(counts[state] ?? 0))
        }
        // One read of each active run serves both gauges.
        let now = runtime.clock.now()
        var open: [String: Int] = [:], overdue: [String: Int] = [:]
        for run in try await TaskQuery(store: runtime.store, registry: runtime.registry).activeRuns().runs {
            for task in TaskReport.open(in: run.core, journal: run.stored.journal, now: now) { open[task.assignee, default: 0] += 1 }
            guard let report = try? RunReport.make(run.stored, playbook: run.playbook) else { continue }
            for step in report.steps where step.overdue { overdue[run.stored.summary.playbookName, default: 0] += 1 }
        }
        setAll("offboard_tasks_open", label: "assignee", open)
        setAll("offboard_steps_overdue", label: "playbook", overdue)
        return registry.emitToString()
    }

    private func setAll(_ name: String, label: String, _ values: [String: Int]) {
        let before = seen.withLock { $0.filter { $0.first == name } }
        for old in before where values[old[2]] == nil { gauge(name, [label, old[2]], 0) }
        for (value, count) in values { gauge(name, [label, value], Double(count)) }
    }

    private func gauge(_ name: String, _ label: [String], _ value: Double) {
        seen.withLock { _ = $0.insert([name] + label) }
        Gauge(label: name, dimensions: [(label[0], label[1])]).record(value)
    }
}
