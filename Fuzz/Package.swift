// swift-tools-version:6.1
// libFuzzer targets for what offboard reads from outside. A package of its own so normal builds never compile
// them with the fuzzer; build and run them with ./run.sh (see README.md here).
import PackageDescription

let package = Package(
    name: "offboard-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "offboard", path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(name: "FuzzYAML", dependencies: ["CFuzzer", .product(name: "Playbook", package: "offboard"), .product(name: "Handlers", package: "offboard")]),
        .executableTarget(name: "FuzzExpressions", dependencies: ["CFuzzer", .product(name: "Playbook", package: "offboard")]),
        .executableTarget(name: "FuzzDates", dependencies: ["CFuzzer", .product(name: "Playbook", package: "offboard")]),
        .executableTarget(name: "FuzzRecords", dependencies: ["CFuzzer", .product(name: "Playbook", package: "offboard"), .product(name: "Engine", package: "offboard"),
                                                             .product(name: "Handlers", package: "offboard")]),
    ]
)
