import Foundation
import OffboardRuntime
import Playbook
import Prometheus
import Synchronization

/// What `/metrics` shows, in the Prometheus text format: step attempts and their durations by handler, and the
/// time from the leave time to each verified access removal, counted as the worker journals them; runs by state,
/// overdue steps and open tasks per assignee, read from the store at each scrape; refused hook deliveries by source;
/// HTTP requests by route. Every series is made here, on one swift-prometheus registry, with its help text (which
/// `promtool check metrics` requires): none comes through swift-metrics, whose factory registers series without any.
public final class ServerMetrics: RunObserver, Sendable {
    public static let timeToRevoke = "offboard_time_to_revoke_seconds"

    /// Each series' help text, by name.
    static let help: [String: String] = [
        "offboard_step_attempts_total": "Step attempts started by this server's worker, by handler.",
        "offboard_step_duration_seconds": "Time from a step attempt's start to its end, by handler and outcome (succeeded, failed).",
        timeToRevoke: "Seconds from the leaver's leave time to each verified access removal, by handler (negative: access went first).",
        "offboard_hook_refusals_total": "HR hook deliveries refused by their source's verification, by source.",
        "offboard_runs": "Runs in the store, by state.",
        "offboard_tasks_open": "Tasks waiting for a person (to do or approve), by assignee.",
        "offboard_steps_overdue": "Steps past their deadline and not done, by playbook.",
        "offboard_http_requests_total": "HTTP requests answered, by route, method and status code.",
        "offboard_http_request_duration_seconds": "Time to answer an HTTP request, by route and method.",
    ]

    static let durationBuckets: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                              .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)]
    static let requestBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                             .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
    /// Seconds from the leave time: negative when access went before the leaver did.
    static let revokeBuckets: [Double] = [-86_400, -3_600, -60, 0, 1, 5, 30, 60, 300, 900, 3_600, 14_400, 86_400, 604_800]

    public let registry: PrometheusCollectorRegistry
    /// When each attempt in flight started, by `run/instance`, for its duration.
    private let started = Mutex<[String: Date]>([:])
    /// Label values seen on the scrape-time gauges, so one that drops to none reads 0, not its last value.
    private let seen = Mutex<Set<[String]>>([])

    /// Makes the registry.
    public static func bootstrap() -> ServerMetrics { ServerMetrics(registry: PrometheusCollectorRegistry()) }

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    public func recorded(runID: String, entries: [JournalEntry], state: RunState) {}

    public func recorded(runID: String, entries: [JournalEntry], run core: ObservedRun) {
        for entry in entries {
            guard case .step(let instance, let event) = entry.event, let step = core.step(instance.step) else { continue }
            let key = "\(runID)/\(instance)", handler = [("handler", step.uses)]
            switch event {
            case .start:
                counter("offboard_step_attempts_total", handler).increment()
                started.withLock { $0[key] = entry.at }
            case .succeed(_, let verification, let removal):
                finish(key, handler: step.uses, outcome: "succeeded", at: entry.at)
                if removal?.change == .removed, verification?.holds == true, let leave = core.leaveTime(now: entry.at) {
                    registry.makeValueHistogram(descriptor: Self.descriptor(Self.timeToRevoke), labels: handler, buckets: Self.revokeBuckets)
                        .record(entry.at.timeIntervalSince(leave))
                }
            case .fail: finish(key, handler: step.uses, outcome: "failed", at: entry.at)
            case .interrupt, .cancel: _ = started.withLock { $0.removeValue(forKey: key) }
            case .schedule, .skip, .suspend, .fire, .reset, .reschedule, .openTask, .complete, .approve, .reject: break
            }
        }
    }

    private func finish(_ key: String, handler: String, outcome: String, at: Date) {
        guard let start = started.withLock({ $0.removeValue(forKey: key) }) else { return }
        let name = "offboard_step_duration_seconds"
        registry.makeDurationHistogram(descriptor: Self.descriptor(name), labels: [("handler", handler), ("outcome", outcome)], buckets: Self.durationBuckets)
            .recordNanoseconds(Int64(max(0, at.timeIntervalSince(start)) * 1e9))
    }

    /// A delivery refused by its source's verification.
    func hookRefused(source: String) {
        counter("offboard_hook_refusals_total", [("source", source)]).increment()
    }

    /// An HTTP request answered: `route` is the route's pattern (never the path itself, which may name a run).
    func requestAnswered(route: String, method: String, status: Int, nanoseconds: UInt64) {
        counter("offboard_http_requests_total", [("route", route), ("method", method), ("code", String(status))]).increment()
        let name = "offboard_http_request_duration_seconds"
        registry.makeDurationHistogram(descriptor: Self.descriptor(name), labels: [("route", route), ("method", method)], buckets: Self.requestBuckets)
            .recordNanoseconds(Int64(min(nanoseconds, UInt64(Int64.max))))
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> Prometheus.Counter {
        registry.makeCounter(descriptor: Self.descriptor(name), labels: labels)
    }

    /// The series' full name (its unit already in it) with its help text.
    static func descriptor(_ name: String) -> MetricNameDescriptor {
        guard let text = help[name] else { preconditionFailure("series \(name) has no help text") }
        return MetricNameDescriptor(metricName: name, unitName: "", helpText: text)
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
            for task in run.openTasks(now: now) { open[task.assignee, default: 0] += 1 }
            guard let report = try? run.report() else { continue }
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
        registry.makeGauge(descriptor: Self.descriptor(name), labels: [(label[0], label[1])]).set(value)
    }
}
