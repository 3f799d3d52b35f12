import Foundation
import FuzzTargets
import Testing

/// Every fuzz target over the committed seeds and any inputs a fuzz run kept as crashes
/// (`Fixtures/fuzz/regressions/TARGET/`), without the sanitizers: a finding fixed once stays fixed.
@Suite("Fuzz targets over their seeds")
struct FuzzSeedTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func files(_ folder: String, _ filter: (String) -> Bool = { _ in true }) -> [URL] {
        let url = fixtures.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter(filter).sorted().map { url.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedsRunWithoutFindings(target: FuzzTarget) throws {
        var inputs = Self.files("pages") { $0.hasSuffix(".json") }
        for folder in ["json", "pipeline-file", "organizations-file", "local-log-line", "time-text", "decimal-text", "regressions/\(target.rawValue)"] {
            inputs += Self.files("fuzz/" + folder)
        }
        #expect(inputs.count > 60)
        for input in inputs {
            let bytes = Array(try Data(contentsOf: input))
            do { try target.run(bytes) } catch { Issue.record("\(target.rawValue) \(input.lastPathComponent): \(error)") }
        }
    }
}
