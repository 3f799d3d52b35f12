import Foundation

/// Keeps a copy of every answer the simulator gives that claims to follow the published schema,
/// so `make test` can validate all of them against the official description afterwards.
///
/// Enabled by `USAGE_API_SIM_RECORD_DIR`; each distinct body is written once, as
/// `<endpoint>.<status>.<hash>.json`. Deliberately broken answers (injected faults, live quirks
/// that the description does not allow) are not recorded.
struct AnswerRecorder: Sendable {
    let directory: URL

    static let fromEnvironment: AnswerRecorder? = ProcessInfo.processInfo.environment["USAGE_API_SIM_RECORD_DIR"]
        .flatMap { $0.isEmpty ? nil : AnswerRecorder(directory: URL(fileURLWithPath: $0)) }

    func record(endpoint: String, reply: HTTPReply) {
        guard reply.fault == nil, !reply.deviatesFromSchema,
              reply.headers.contains(where: { $0.0 == "Content-Type" && $0.1 == "application/json" }) else { return }
        let file = directory.appendingPathComponent("\(endpoint).\(reply.status).\(String(Mix.bytes(reply.body), radix: 16)).json")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: file.path) {
            try? Data(reply.body).write(to: file, options: .atomic)
        }
    }
}
