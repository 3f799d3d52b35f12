import Foundation
import Testing

/// The module layout of ARCHITECTURE.md, checked against the sources: each module imports only
/// the modules below it, and only Warehouse writes SQL.
@Suite("Layering")
struct LayeringTests {
    /// What each module of ours may import (besides the toolchain's Foundation, Glibc, Darwin,
    /// Dispatch and Synchronization). Lowest layers first.
    static let allowed: [String: Set<String>] = [
        "Postgres": ["CLibPQ"], "Curl": ["CLibCurl"], "Zstd": ["CZstd"], "Digest": ["CLibCrypto"],
        "EmbeddedResources": [], "JSON": [],
        "UsageAPI": ["JSON"],
        "Bodies": ["Zstd", "Digest"],
        "APIClient": ["Curl", "JSON", "UsageAPI", "Bodies"],
        "Warehouse": ["Postgres", "Digest", "Bodies", "JSON", "UsageAPI", "EmbeddedResources"],
        "Pipeline": ["UsageAPI", "APIClient", "Bodies", "Warehouse", "Postgres", "EmbeddedResources", "Logging"],
        "Report": ["Warehouse"],
        "UsageETLCLI": ["Pipeline", "Warehouse", "Report", "APIClient", "UsageAPI", "Postgres", "Curl", "ArgumentParser", "Logging"],
        "usage-etl": ["UsageETLCLI", "CMalloc", "Digest"],
        "Simulator": ["UsageAPI", "JSON"],
        "usage-api-sim": ["Simulator", "ArgumentParser"],
        "FuzzTargets": ["JSON", "UsageAPI", "APIClient", "Pipeline", "Warehouse", "Curl", "Postgres"],
        "usage-etl-fuzz": ["FuzzTargets"],
        "embed-files": [],
    ]
    // Tests/TestSupport (the integration suites' harness) may import what it needs of the product;
    // nothing in Sources/ may import it (it is not under Sources/).
    static let toolchain: Set<String> = ["Foundation", "Glibc", "Darwin", "Dispatch", "Synchronization"]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// The Swift files of each module directory under Sources/.
    static func swiftFiles() throws -> [(module: String, path: String, text: String)] {
        let manager = FileManager.default
        var files: [(String, String, String)] = []
        for module in try manager.contentsOfDirectory(atPath: sources.path).sorted() {
            let directory = sources.appendingPathComponent(module)
            guard let walker = manager.enumerator(atPath: directory.path) else { continue }
            for case let relative as String in walker where relative.hasSuffix(".swift") {
                let path = directory.appendingPathComponent(relative).path
                files.append((module, "\(module)/\(relative)", try String(contentsOfFile: path, encoding: .utf8)))
            }
        }
        return files
    }

    static func imports(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            var words = line.split(separator: " ").map(String.init)
            if words.first == "@testable" { words.removeFirst() }
            guard words.count >= 2, words[0] == "import" else { return nil }
            return words[1]
        }
    }

    @Test func everyModuleImportsOnlyTheModulesBelowIt() throws {
        let files = try Self.swiftFiles()
        #expect(files.count > 80)
        for (module, path, text) in files {
            guard let allowed = Self.allowed[module] else {
                Issue.record("module \(module) is not in the layering table (LayeringTests.allowed, ARCHITECTURE.md)")
                continue
            }
            for imported in Self.imports(text) where !allowed.contains(imported) && !Self.toolchain.contains(imported) {
                Issue.record("\(path) imports \(imported), which \(module) may not import")
            }
        }
    }

    @Test func theLayersHaveNoCycle() {
        var state: [String: Int] = [:] // 1 visiting, 2 done
        func visit(_ module: String, _ path: [String]) {
            if state[module] == 2 { return }
            if state[module] == 1 { Issue.record("import cycle: \((path + [module]).joined(separator: " -> "))"); return }
            state[module] = 1
            for next in Self.allowed[module] ?? [] { visit(next, path + [module]) }
            state[module] = 2
        }
        for module in Self.allowed.keys.sorted() { visit(module, []) }
    }

    /// SQL statements in string literals outside Warehouse: the warehouse layer is the only one
    /// that talks SQL (comments may name statements).
    @Test func onlyWarehouseHoldsSQL() throws {
        let statement = try Regex(#"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\.\w+\s+SET|CREATE\s+(TABLE|VIEW|FUNCTION)|pg_advisory)"#)
        for (module, path, text) in try Self.swiftFiles() where module != "Warehouse" {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//"), code.contains(statement) else { continue }
                Issue.record("\(path):\(number + 1) holds SQL outside Warehouse: \(code.prefix(100))")
            }
        }
    }
}
