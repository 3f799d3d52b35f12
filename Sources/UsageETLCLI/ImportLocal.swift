import ArgumentParser
import Foundation
import Warehouse

/// `usage-etl import-local`: load applications' own usage logs for reconciliation with the API.
struct ImportLocal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-local",
        abstract: "Import NDJSON usage logs written by applications (one request a line) for analytics.local_reconciliation.",
        discussion: """
            Each line: {"timestamp": RFC 3339 or Unix seconds, "model": "…", "input_tokens": N, "output_tokens": N, \
            "project": "…", "user": "…", "cost": 0.0012} (project, user and cost optional). Re-importing a file adds \
            nothing. Malformed lines are reported with file and line number and skipped; the good lines are kept. \
            Exit codes: 0 every line imported or already present, 1 some lines rejected, 2 usage or configuration error.
            """)

    @Argument(help: "NDJSON files to import.") var paths: [String]
    @OptionGroup var reporting: RunOptions

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("name at least one file to import") }
    }

    func run() throws {
        reporting.start()
        var contents: [(String, [UInt8])] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure.usage("cannot read \(path)") }
            contents.append((path, Array(data)))
        }
        let connection = try DatabaseOptions.connectMigrated()
        let importer = LocalUsageImporter(connection: connection)
        var rejected = 0
        for (path, bytes) in contents {
            let outcome = try importer.importFile(path: path, contents: bytes)
            for rejection in outcome.rejected.prefix(100) { Console.error("rejected \(rejection)") }
            if outcome.rejected.count > 100 { Console.error("\(path): \(outcome.rejected.count - 100) more lines rejected") }
            rejected += outcome.rejected.count
            Console.out("import-local: \(path): \(outcome.lines) lines, \(outcome.inserted) new, \(outcome.lines - outcome.rejected.count - outcome.inserted) already imported, \(outcome.rejected.count) rejected")
        }
        if rejected > 0 { throw CommandFailure.failed("import-local: \(rejected) lines rejected (the other lines are imported)") }
    }
}
