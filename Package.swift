// swift-tools-version:6.0
import PackageDescription

// Modules, lowest first; each imports only modules above it in this list (see ARCHITECTURE.md).
let package = Package(
    name: "usage-etl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "usage-etl", targets: ["usage-etl"]),
        .executable(name: "usage-api-sim", targets: ["usage-api-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        // C libraries, each imported once through a system-library target.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLibCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // Thin safe Swift layers over the C libraries, one each.
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Curl", dependencies: ["CLibCurl"]),
        .target(name: "Zstd", dependencies: ["CZstd"]),
        .target(name: "Digest", dependencies: ["CLibCrypto"]),

        // SQL/ and Pipelines/ compiled into the binary so it runs from any directory.
        .executableTarget(name: "embed-files"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["embed-files"]),
        .target(name: "EmbeddedResources", plugins: ["EmbedFiles"]),

        // The strict JSON parser (exact number text, streaming walks).
        .target(name: "JSON"),
        // The API model: endpoint catalog, stream specs, times, exact decimals, page decoders. No tables.
        .target(name: "UsageAPI", dependencies: ["JSON"]),
        // Response bodies as the archive keeps them: zstd frames with their SHA-256.
        .target(name: "Bodies", dependencies: ["Zstd", "Digest"]),
        // Talking to the API: HTTP with retries and the rate cap, directory and organization reads. No libpq.
        .target(name: "APIClient", dependencies: ["Curl", "JSON", "UsageAPI", "Bodies"]),
        // The warehouse: the only module with SQL (migrations, views, windows, runs, facts, status).
        .target(name: "Warehouse", dependencies: ["Postgres", "Digest", "Bodies", "JSON", "UsageAPI", "EmbeddedResources"]),
        // Orchestration: plans, the page loop, workers, replay, directory refresh, pipeline files.
        .target(name: "Pipeline", dependencies: [
            "UsageAPI", "APIClient", "Bodies", "Warehouse", "Postgres", "EmbeddedResources",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `usage-etl report`: the figures Warehouse reads, drawn as one HTML page with inline SVG charts.
        .target(name: "Report", dependencies: ["Warehouse"]),
        // The command line: parses arguments, calls Pipeline and Warehouse, prints.
        .target(name: "UsageETLCLI", dependencies: [
            "Pipeline", "Warehouse", "Report", "APIClient", "UsageAPI", "Postgres", "Curl",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "usage-etl", dependencies: ["UsageETLCLI", "CMalloc", "Digest"]),

        // The API simulator (its own JSON writer; reads nothing of the ETL but the API model).
        .target(name: "Simulator", dependencies: ["UsageAPI", "JSON"]),
        .executableTarget(name: "usage-api-sim", dependencies: [
            "Simulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Parsers of outside data as fuzz targets; `usage-etl-fuzz` runs them under libFuzzer (`make fuzz`).
        .target(name: "FuzzTargets", dependencies: ["JSON", "UsageAPI", "APIClient", "Pipeline", "Warehouse", "Curl", "Postgres"]),
        .executableTarget(name: "usage-etl-fuzz", dependencies: ["FuzzTargets"]),

        // What the integration suites start from: a fresh migrated database, the simulator on loopback,
        // the usage-etl binary as operators run it.
        .target(name: "TestSupport", dependencies: ["Postgres", "Warehouse", "UsageAPI", "Simulator"], path: "Tests/TestSupport"),

        .testTarget(name: "UnitTests", dependencies: [
            "JSON", "UsageAPI", "Zstd", "Digest", "Bodies", "APIClient", "Warehouse", "Simulator", "Pipeline", "UsageETLCLI", "FuzzTargets", "Report",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "TestSupport", "Postgres", "Warehouse", "Curl", "JSON", "UsageAPI", "Zstd", "Bodies", "APIClient", "UsageETLCLI", "Simulator", "Pipeline", "Report",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
