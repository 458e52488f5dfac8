// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "offboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "offboard", targets: ["offboard"]),
        .library(name: "Playbook", targets: ["Playbook"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Handlers", targets: ["Handlers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3" ..< "5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "Playbook",
            dependencies: [
                "CYAML",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "Engine", dependencies: ["Playbook"], swiftSettings: strictSettings),
        .target(name: "Handlers", dependencies: ["Engine", "Playbook"], swiftSettings: strictSettings),
        .executableTarget(
            name: "offboard",
            dependencies: [
                "Playbook", "Engine", "Handlers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "PlaybookTests", dependencies: ["Playbook", "Handlers"], exclude: ["Fixtures"], swiftSettings: strictSettings),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Handlers", "Playbook"], swiftSettings: strictSettings),
        .testTarget(
            name: "OffboardCLITests",
            dependencies: ["offboard", "Playbook", "Handlers", "Engine"],
            swiftSettings: strictSettings
        ),
    ]
)
