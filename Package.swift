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
        .library(name: "SQLiteStore", targets: ["SQLiteStore"]),
        .library(name: "OffboardRuntime", targets: ["OffboardRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3" ..< "5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(name: "CMalloc"),
        // The system's OpenLDAP client library (Debian libldap-dev), linked only through LDAPClient.
        .systemLibrary(
            name: "CLDAP",
            pkgConfig: "ldap",
            providers: [.apt(["libldap-dev"])]
        ),
        .target(name: "LDAPClient", dependencies: ["CLDAP"], swiftSettings: strictSettings),
        .target(
            name: "Playbook",
            dependencies: [
                "CYAML",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Engine",
            dependencies: ["Playbook", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // What the server keeps beside runs (API tokens, HR events, console sessions): its records and store protocols.
        .target(name: "ServiceStores", swiftSettings: strictSettings),
        .target(
            name: "SQLiteStore",
            dependencies: ["Engine", "Playbook", "ServiceStores", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Handlers",
            dependencies: [
                "Engine", "Playbook", "LDAPClient",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // One runtime under both executables (the CLI and the server): opening the store, handler set-up, the task
        // query, the chain audit, journal sentences, and the worker and retention loops as services.
        .target(
            name: "OffboardRuntime",
            dependencies: [
                "Playbook", "Engine", "Handlers", "SQLiteStore", "ServiceStores",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: strictSettings
        ),
        // `offboard serve`: the HTTP API (routes, tokens and roles, HR webhooks, problems, metrics) and the web console
        // (server-rendered Mustache pages, sessions, forms) over OffboardRuntime.
        .target(
            name: "OffboardServer",
            dependencies: [
                "Playbook", "OffboardRuntime", "CMalloc",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "offboard",
            dependencies: [
                "Playbook", "OffboardRuntime", "OffboardServer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The real test servers (scripts/test-servers.sh) as the handler and command-line tests reach them.
        .target(
            name: "TestServerSupport",
            dependencies: [.product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestServerSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "PlaybookTests", dependencies: ["Playbook", "Handlers"], exclude: ["Fixtures"], swiftSettings: strictSettings),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Handlers", "Playbook", "SQLiteStore", "ServiceStores"], swiftSettings: strictSettings),
        // The runtime's rules on their own (the front ends' agreement with them is in OffboardCLITests).
        .testTarget(name: "RuntimeTests", dependencies: ["OffboardRuntime", "Engine", "Handlers", "Playbook"], swiftSettings: strictSettings),
        // The server's routes in process, through Hummingbird's test client (no socket, no child process), against the
        // real PostgreSQL, SCIM and HTTP servers where a story needs them.
        .testTarget(
            name: "ServerTests",
            dependencies: ["OffboardServer", "OffboardRuntime", "Playbook", "TestServerSupport",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                           .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HandlerTests",
            dependencies: ["Handlers", "Engine", "Playbook", "SQLiteStore", "TestServerSupport", "LDAPClient", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OffboardCLITests",
            dependencies: ["offboard", "Playbook", "Handlers", "Engine", "OffboardRuntime", "OffboardServer", "SQLiteStore", "ServiceStores", "TestServerSupport",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
    ]
)
