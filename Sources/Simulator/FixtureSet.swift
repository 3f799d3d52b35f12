import Foundation
import JSON
import UsageAPI

/// The fixtures of a directory: every `<name>.query` and the simulator's answer to it, which is
/// what `<name>.json` must hold.
public struct FixtureSet: Sendable {
    public struct Fixture: Sendable {
        public var name: String
        public var request: FixtureRequest
        public var reply: HTTPReply
    }

    public struct Failure: Error, CustomStringConvertible {
        public var fixture: String
        public var message: String
        public var description: String { "fixture \(fixture): \(message)" }
    }

    public let fixtures: [Fixture]

    /// Reads every `.query` file in `directory` and answers it with a fresh simulator.
    public init(directory: URL) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".query") }.map { String($0.dropLast(".query".count)) }.sorted()
        var requests: [String: FixtureRequest] = [:]
        for name in names {
            let text = try String(contentsOf: directory.appendingPathComponent(name + ".query"), encoding: .utf8)
            do { requests[name] = try FixtureRequest(parsing: text) } catch {
                throw Failure(fixture: name, message: "\(error)")
            }
        }
        var answered: [String: HTTPReply] = [:]
        func answer(_ name: String, depth: Int) throws -> HTTPReply {
            if let done = answered[name] { return done }
            guard let request = requests[name] else { throw Failure(fixture: name, message: "no such fixture") }
            guard depth < names.count else { throw Failure(fixture: name, message: "cursor references form a cycle") }
            let reply = try request.answer { referenced in
                let previous = try answer(referenced, depth: depth + 1)
                guard case .string(let cursor)? = (try? JSONParser.parse(previous.body))?["next_page"] else {
                    throw Failure(fixture: name, message: "fixture \(referenced) has no next_page to continue from")
                }
                return cursor
            }
            answered[name] = reply
            return reply
        }
        fixtures = try names.map { Fixture(name: $0, request: requests[$0]!, reply: try answer($0, depth: 0)) }
    }
}
