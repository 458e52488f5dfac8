// swift-tools-version:6.1
// Benchmarks live in their own package so that building or testing offboard never compiles them.
// Run from this directory: swift package benchmark, or swift run -c release executor-throughput
// (see README.md here).
import PackageDescription

let package = Package(
    name: "offboard-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "offboard", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "PlaybookValidation",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Playbook", package: "offboard"),
                .product(name: "Handlers", package: "offboard"),
            ],
            path: "Benchmarks/PlaybookValidation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A plain executable: it measures a ratio (executor vs raw commits) in one process, which the
        // benchmark framework's per-iteration model does not express. See README.md here.
        .executableTarget(
            name: "executor-throughput",
            dependencies: [
                .product(name: "Engine", package: "offboard"),
                .product(name: "Handlers", package: "offboard"),
                .product(name: "Playbook", package: "offboard"),
                .product(name: "SQLiteStore", package: "offboard"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/ExecutorThroughput"
        ),
        // One run's cost per step, small against large (issue 20): a plain executable for the same reason.
        .executableTarget(
            name: "step-scaling",
            dependencies: [
                .product(name: "Engine", package: "offboard"),
                .product(name: "Handlers", package: "offboard"),
                .product(name: "Playbook", package: "offboard"),
                .product(name: "SQLiteStore", package: "offboard"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/StepScaling"
        ),
    ]
)
