import Digest
import Foundation
import JSON
import Simulator
import Testing
import UsageAPI
import Warehouse

/// `Fixtures/`: the checksums hold, each page is what the simulator answers for the query written
/// beside it, and each page decodes with its endpoint's decoder. (Schema validation against the
/// official description runs in Python from `make test`: `scripts/validate_fixtures.py`.)
@Suite("Fixtures")
struct FixtureTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let pages = fixtures.appendingPathComponent("pages")

    static func contents(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(relative)))
    }

    @Test func checksumsListEveryFixtureAndMatch() throws {
        let text = String(decoding: try Self.contents("CHECKSUMS.sha256"), as: UTF8.self)
        var listed = Set<String>()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            try #require(parts.count == 2, "malformed line in CHECKSUMS.sha256: \(line)")
            let file = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: " *"))
            listed.insert(file)
            #expect(SHA256.hex(try Self.contents(file)) == String(parts[0]), "checksum of Fixtures/\(file) differs")
        }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.pages.path)
            .filter { $0.hasSuffix(".json") || $0.hasSuffix(".query") }.map { "pages/" + $0 }
        #expect(Set(onDisk).subtracting(listed).isEmpty, "fixtures missing from CHECKSUMS.sha256")
        #expect(listed.contains("openapi/usage-and-costs.json"))
    }

    @Test func eachFixtureIsWhatTheSimulatorAnswers() throws {
        let set = try FixtureSet(directory: Self.pages)
        #expect(set.fixtures.count >= 30)
        for fixture in set.fixtures {
            let stored = try Self.contents("pages/\(fixture.name).json")
            #expect(stored == fixture.reply.body,
                    "Fixtures/pages/\(fixture.name).json differs from the simulator's answer; run scripts/update_fixtures.sh if the change is deliberate")
        }
    }

    @Test func everyEndpointHasGroupedAndUngroupedFixturesThatDecode() throws {
        let set = try FixtureSet(directory: Self.pages)
        for endpoint in EndpointCatalog.all {
            let pages = set.fixtures.filter {
                $0.reply.status == 200 && $0.request.target.contains(endpoint.path + "?")
            }
            #expect(pages.count >= 2, "\(endpoint.name) needs grouped and ungrouped fixtures")
            var results = 0
            for page in pages {
                let decoded = try PageDecoder(endpoint: endpoint).decode(page.reply.body)
                #expect(decoded.warnings.isEmpty)
                results += decoded.buckets.reduce(0) { $0 + $1.results.count }
            }
            #expect(results > 0, "\(endpoint.name) fixtures hold no results")
        }
    }

    @Test func multiPageSequenceFollowsNextPage() throws {
        let decoder = PageDecoder(endpoint: EndpointCatalog.completions)
        let pages = try (1...3).map { try decoder.decode(try Self.contents("pages/completions-hourly-page-\($0).json")) }
        #expect(pages.map(\.hasMore) == [true, true, false])
        #expect(pages[2].nextPage == nil)
        let starts = pages.flatMap { $0.buckets.map(\.startTime) }
        #expect(starts.count == 60)
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $1 - $0 == 3600 })
    }

    @Test func errorFixturesUseOpenAIsErrorShape() throws {
        let set = try FixtureSet(directory: Self.pages)
        let errors = set.fixtures.filter { $0.name.hasPrefix("error-") }
        #expect(Set(errors.map(\.reply.status)) == [400, 401, 403, 404])
        for fixture in errors {
            let error = try JSONParser.parse(fixture.reply.body)["error"]
            guard case .string = error?["message"], case .string = error?["type"] else {
                Issue.record("\(fixture.name): no error.message / error.type")
                continue
            }
        }
    }
}
