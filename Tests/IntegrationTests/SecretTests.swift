import Foundation
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI
import Warehouse
import Zstd

/// The admin key stays secret: never in logs at any level (text or JSON), error messages, the
/// `etl` tables, the archive or any other table, nor in the process's argv; a key typed on the
/// command line is refused without being echoed.
@Suite("Secrets", .serialized)
struct SecretTests {
    /// A key nothing else contains, and its tail (a partial leak fails too).
    let key = "sk-admin-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    var tail: String { String(key.suffix(16)) }

    let simulator: APISimulator
    let databaseURL: String
    let connection: PostgresConnection
    let today = Int64(Date().timeIntervalSince1970) / 86_400 * 86_400

    init() throws {
        let key = self.key
        let harness = try SimulatorHarness(database: "test_secrets") { $0.adminKey = key }
        (simulator, databaseURL, connection) = (harness.simulator, harness.databaseURL, harness.connection)
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        UsageETLProcess.environment(baseURL: simulator.baseURL!, databaseURL: databaseURL, key: key,
                                    ["USAGE_ETL_LOG_LEVEL": "trace", "USAGE_ETL_BASE_BACKOFF": "0.01"].merging(extra) { $1 })
    }

    func expectNoKey(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(tail), "the admin key appears in \(what)", sourceLocation: sourceLocation)
    }

    @Test func theKeyAppearsNowhereAProcessWritesOrStores() throws {
        let since = UTCTime.format(today - 6 * 86_400), until = UTCTime.format(today - 86_400)
        // Faults exercise the retry and error paths; trace is the most verbose level there is.
        simulator.configure { $0.faults.rate = 0.3; $0.faults.kinds = [.rateLimited, .serverError, .malformed, .truncated] }
        var outputs: [(String, String)] = []
        for format in ["text", "json"] {
            let process = try UsageETLProcess(["backfill", "--since", since, "--until", until, "--endpoint", "costs",
                                               "--endpoint", "completions", "--requests-per-minute", "6000",
                                               "--log-format", format], environment: environment())
            let argv = (try? String(contentsOfFile: "/proc/\(process.process.processIdentifier)/cmdline", encoding: .utf8)) ?? ""
            expectNoKey(argv, "argv")
            let (_, output) = process.wait()
            #expect(output.contains("trace") || output.contains("debug") || output.contains("info"))
            outputs.append(("backfill logs (\(format))", output))
        }
        simulator.configure { $0.faults.rate = 0 }
        outputs.append(("sync logs", try UsageETLProcess.run(["sync", "--endpoint", "costs", "--initial-days", "3",
                                                              "--requests-per-minute", "6000"], environment: environment()).1))
        outputs.append(("dimensions logs", try UsageETLProcess.run(["dimensions", "--requests-per-minute", "6000"],
                                                                   environment: environment()).1))
        outputs.append(("status", try UsageETLProcess.run(["status", "--json"], environment: environment()).1))
        // A wrong key: refused (exit 2) with a message that shows neither key.
        let wrong = "sk-admin-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let (status, refused) = try UsageETLProcess.run(["sync", "--endpoint", "costs"], environment: environment(["OPENAI_ADMIN_KEY": wrong]))
        #expect(status == 2)
        #expect(!refused.contains(String(wrong.suffix(16))))
        outputs.append(("the wrong-key error", refused))
        for (what, text) in outputs { expectNoKey(text, what) }

        // Every table of the warehouse, as text, and every archived body, decompressed.
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        dump.arguments = ["pg_dump", "--data-only", "--dbname", databaseURL]
        let pipe = Pipe()
        dump.standardOutput = pipe
        try dump.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        dump.waitUntilExit()
        #expect(dump.terminationStatus == 0)
        #expect(text.contains("COPY etl.runs"))
        expectNoKey(text, "the database")
        let bodies = try connection.query("SELECT body_zstd FROM raw.bodies")
        #expect(bodies.count > 0)
        for row in 0..<bodies.count {
            expectNoKey(String(decoding: try Zstd.decompress(bodies.bytes(row, "body_zstd")!), as: UTF8.self), "the archive")
        }
    }

    @Test func aKeyOnTheCommandLineIsRefusedWithoutBeingShown() throws {
        for arguments in [["backfill", "--admin-key", key, "--since", "2026-01-01", "--until", "2026-01-02"],
                          ["backfill", "--since", key, "--until", "2026-01-02"], ["sync", "--pipeline=\(key)"], ["status", key]] {
            let (status, output) = try UsageETLProcess.run(arguments, environment: environment())
            #expect(status == 2, "\(arguments[0])")
            #expect(output.contains("command line"))
            expectNoKey(output, "the error for \(arguments.count) arguments")
        }
        #expect(simulator.requestCount() == 0)
    }

    @Test func aKeyFileIsReadButNeverQuoted() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("usage-etl-key-\(UUID().uuidString)")
        try Data((key + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var env = environment()
        env["OPENAI_ADMIN_KEY"] = nil
        let (status, output) = try UsageETLProcess.run(["sync", "--endpoint", "costs", "--initial-days", "2", "--skip-dimensions",
                                                        "--admin-key-file", file.path, "--requests-per-minute", "6000"], environment: env)
        #expect(status == 0, "\(output)")
        expectNoKey(output, "logs of a run keyed from a file")
        // A file holding something else: the API's refusal quotes nothing of it.
        try Data("sk-admin-not-this-one-either-0123456789".utf8).write(to: file)
        let (refusedStatus, refused) = try UsageETLProcess.run(["sync", "--endpoint", "costs", "--admin-key-file", file.path], environment: env)
        #expect(refusedStatus == 2)
        #expect(!refused.contains("0123456789"))
    }
}
