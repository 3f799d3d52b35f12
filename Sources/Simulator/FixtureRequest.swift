import Foundation

/// A request written beside a fixture (`Fixtures/pages/<name>.query`): the simulator settings and
/// the HTTP request whose answer is the fixture's body.
///
/// The file is line-oriented: `# comments`, `key: value` settings (`seed`, `preset`, `now`,
/// `authorization` = `admin` | `none` | a literal key, `quirks` comma-separated,
/// `directory_changes` = steps of organisation life applied to the directory), then one
/// `GET /v1/…?…` line. A `{cursor:<fixture>}` placeholder in the request is replaced by the
/// `next_page` of another fixture, so multi-page sequences stay consistent when regenerated.
public struct FixtureRequest: Sendable, Equatable {
    public var seed: UInt64 = 42
    public var preset: SyntheticOrganization.Preset = .small
    public var now: Int64
    public var authorization: String = "admin"
    public var quirks: [String] = []
    public var directoryChanges = 0
    public var target: String

    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public init(parsing text: String) throws {
        var now: Int64?
        var target: String?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("GET ") {
                target = String(line.dropFirst(4)).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw ParseError(line: index + 1, message: "expected 'key: value' or 'GET /v1/…'")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "seed":
                guard let parsed = UInt64(value) else { throw ParseError(line: index + 1, message: "seed must be an integer") }
                seed = parsed
            case "preset":
                guard let parsed = SyntheticOrganization.Preset(rawValue: value) else {
                    throw ParseError(line: index + 1, message: "preset must be small or large")
                }
                preset = parsed
            case "now":
                guard let parsed = Int64(value) else { throw ParseError(line: index + 1, message: "now must be Unix seconds") }
                now = parsed
            case "authorization": authorization = value
            case "quirks": quirks = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case "directory_changes":
                guard let parsed = Int(value), parsed >= 0 else { throw ParseError(line: index + 1, message: "directory_changes must be a count") }
                directoryChanges = parsed
            default: throw ParseError(line: index + 1, message: "unknown setting '\(key)'")
            }
        }
        guard let now else { throw ParseError(line: 0, message: "missing 'now:' (fixtures need a fixed clock)") }
        guard let target, target.hasPrefix("/") else { throw ParseError(line: 0, message: "missing 'GET /v1/…' request line") }
        self.now = now
        self.target = target
    }

    /// The simulator configuration this request runs under.
    public var configuration: SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.seed = seed
        configuration.preset = preset
        configuration.now = now
        configuration.faults.costsEmptyPageQuirk = quirks.contains("costs-empty-page")
        configuration.faults.oldSpellings = quirks.contains("old-spellings")
        configuration.faults.amountAsString = quirks.contains("amount-as-string")
        configuration.faults.duplicateResults = quirks.contains("duplicate-results")
        configuration.directoryChanges = directoryChanges
        return configuration
    }

    /// Fixture names referenced by `{cursor:<name>}` placeholders.
    public var cursorReferences: [String] {
        var names: [String] = []
        var rest = Substring(target)
        while let open = rest.range(of: "{cursor:") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            names.append(String(rest[open.upperBound..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// The HTTP request, with cursor placeholders resolved by `cursor(name)`.
    public func httpRequest(cursor: (String) throws -> String) throws -> HTTPRequest {
        var target = self.target
        for name in cursorReferences {
            target = target.replacingOccurrences(of: "{cursor:\(name)}", with: try cursor(name))
        }
        let parts = target.split(separator: "?", maxSplits: 1)
        let path = String(parts[0])
        var query: [(String, String)] = []
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                let value = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
                query.append((name, value))
            }
        }
        var headers: [String: String] = [:]
        switch authorization {
        case "none": break
        case "admin": headers["authorization"] = "Bearer " + configuration.adminKey
        default: headers["authorization"] = "Bearer " + authorization
        }
        return HTTPRequest(method: "GET", path: path, query: query, headers: headers)
    }

    /// What the simulator answers this request with.
    public func answer(cursor: (String) throws -> String) throws -> HTTPReply {
        APISimulator(configuration: configuration).handle(try httpRequest(cursor: cursor))
    }
}
