// swift-tools-version:6.1
// Benchmarks live in their own package so that building or testing offboard never compiles them.
// Run from this directory: swift package benchmark (see README.md here).
import PackageDescription

let package = Package(
    name: "offboard-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "offboard", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
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
    ]
)
