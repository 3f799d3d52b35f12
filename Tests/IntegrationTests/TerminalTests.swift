import Foundation
import Postgres
import Simulator
import TestSupport
import Testing
import UsageAPI

/// Issue 24: on a terminal one writer owns the screen (log records above one live status line,
/// never glued to it; a summary table at the end); anywhere else, plain log lines and no escape code.
@Suite("the operator's terminal", .serialized)
struct TerminalTests {
    static let repository = Scratch.repository

    let harness: SimulatorHarness
    let today = Scratch.today

    init() throws {
        harness = try SimulatorHarness(database: "test_terminal") {
            $0.faults.latencyMilliseconds = 150
            $0.faults.duplicateResults = true // each page logs a warning: results summed
        }
    }

    var environment: [String: String] { harness.environment() }

    var backfill: [String] {
        ["backfill", "--since", UTCTime.format(today - 40 * 86_400), "--until", UTCTime.format(today - 86_400), "--bucket-width", "1h",
         "--endpoint", "completions", "--endpoint", "embeddings", "--requests-per-minute", "6000", "--refetch"]
    }

    /// Runs usage-etl under a pseudo-terminal of `columns` columns; the screen's lines as rendered.
    func underTerminal(_ arguments: [String], columns: Int = 150) throws -> (status: Int, lines: [String], raw: String) {
        let runner = Process()
        runner.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        runner.arguments = ["python3", Self.repository.appendingPathComponent("scripts/pty_run.py").path, "--columns", String(columns), "--",
                            UsageETLProcess.binary.path] + arguments
        runner.environment = environment
        let pipe = Pipe()
        runner.standardOutput = pipe
        try runner.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        runner.waitUntilExit()
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        return (document["exit"] as? Int ?? -1, document["lines"] as? [String] ?? [], document["raw"] as? String ?? "")
    }

    /// Whether `line` holds a log record: a time then a level.
    static func holdsLogRecord(_ line: String) -> Bool {
        ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains { level in
            line.ranges(of: " \(level) ").contains { range in
                let time = line[..<range.lowerBound].suffix(8)
                return time.count == 8 && time.enumerated().allSatisfy { i, c in i == 2 || i == 5 ? c == ":" : c.isNumber }
            }
        }
    }

    @Test func logRecordsPrintAboveOneCleanProgressLineAndASummaryTableEndsTheRun() throws {
        let (status, lines, raw) = try underTerminal(backfill)
        #expect(status == 0, "\(lines.suffix(20).joined(separator: "\n"))")
        #expect(raw.contains("\r\u{1B}[2Kbackfill: windows "), "a progress line was drawn")
        #expect(raw.contains(", ETA ") && raw.contains(" in flight, pages "))
        // No line of the screen holds progress text and a log record together.
        for line in lines where line.contains("backfill: windows ") {
            #expect(!Self.holdsLogRecord(line), "glued: \(line)")
        }
        for line in lines { #expect(line.count <= 150, "wider than the terminal: \(line)") }
        // Warnings show (the simulator's duplicate results), each on a line of its own.
        let warnings = lines.filter { $0.contains(" warning ") && $0.contains("two results with identical dimensions were summed") }
        #expect(!warnings.isEmpty, "\(lines.suffix(30).joined(separator: "\n"))")
        // Per-window info lines are not needed where the progress line shows the same.
        #expect(!lines.contains { $0.contains(": loaded ") && $0.contains(" rows from ") })
        // The summary table, after the run.
        let header = try #require(lines.firstIndex { $0.hasPrefix("endpoint") && $0.contains("loaded") && $0.contains("wall time") }, "\(lines.suffix(10))")
        #expect(lines[header...].contains { $0.hasPrefix("completions") })
        #expect(lines[header...].contains { $0.hasPrefix("total") })
        #expect(lines.contains { $0.hasPrefix("backfill: ") && $0.contains("windows loaded") })
        // A narrow terminal: the status line is cut, never wrapped.
        let narrow = try underTerminal(backfill, columns: 60)
        #expect(narrow.status == 0)
        for line in narrow.raw.components(separatedBy: "\r\u{1B}[2K") where line.hasPrefix("backfill: windows ") {
            #expect(line.prefix { $0 != "\n" && $0 != "\r" }.count <= 59, "\(line)")
        }
    }

    @Test func quietKeepsWarningsErrorsAndTheSummaryLine() throws {
        let (status, lines, raw) = try underTerminal(backfill + ["--quiet"])
        #expect(status == 0)
        #expect(!raw.contains("backfill: windows "), "no progress line with --quiet")
        #expect(!lines.contains { $0.hasPrefix("endpoint") && $0.contains("wall time") }, "no table with --quiet")
        #expect(lines.contains { $0.contains(" warning ") })
        #expect(!lines.contains { $0.contains(" info ") || $0.contains(" notice ") })
        #expect(lines.contains { $0.hasPrefix("backfill: ") && $0.contains("windows loaded") })
    }

    @Test func withoutATerminalThereArePlainLogLinesAndNoEscapeCode() throws {
        let (status, output) = try UsageETLProcess.run(backfill, environment: environment)
        #expect(status == 0, "\(output)")
        #expect(!output.contains("\u{1B}"), "an escape code without a terminal")
        #expect(output.contains(": loaded ") && output.contains(" rows from "), "per-window lines stay in plain logs")
        #expect(!output.contains("backfill: windows "), "no progress line")
        #expect(output.contains("wall time"), "the summary table is printed")
        // JSON logs: one object a line, also without escape codes.
        let (jsonStatus, json) = try UsageETLProcess.run(backfill + ["--log-format", "json"], environment: environment)
        #expect(jsonStatus == 0)
        #expect(!json.contains("\u{1B}"))
        #expect(!json.contains("wall time"), "no table among JSON logs")
    }
}
