import ArgumentParser
import Foundation
import Postgres
import Warehouse

/// `usage-etl export`: the warehouse in formats other tools read.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the warehouse for other tools.", subcommands: [FocusCommand.self])
}

/// `usage-etl export focus`: `analytics.focus_costs` (FOCUS 1.2) as CSV or JSON Lines, streamed.
struct FocusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "focus",
        abstract: "Write the costs as FOCUS 1.2 (FinOps Open Cost and Usage Specification) rows: CSV (RFC 4180, a header row) or JSON Lines.")

    @Option(help: "Start of the range (charge periods starting at or after it): a date or an RFC 3339 timestamp.") var since: Moment
    @Option(help: "End of the range, exclusive, same formats.") var until: Moment
    @Option(help: "Only this organization id (default: every organization).") var organization: String?
    @Option(help: "The file to write.") var out: String
    @Option(help: "csv (default) or jsonl.") var format: FocusExport.Format = .csv

    func validate() throws {
        guard until.seconds > since.seconds else { throw ValidationError("--until (\(until.text)) must be after --since (\(since.text))") }
        if let organization, organization.isEmpty || organization.contains(where: { $0.isNewline || $0 == "\0" }) {
            throw ValidationError("--organization must be one non-empty line")
        }
    }

    func run() throws {
        let connection = try DatabaseOptions.connect()
        let file: OutputFile
        do { file = try OutputFile(out) } catch { throw CommandFailure.failed("export: cannot write \(out): \(error)") }
        func write(_ text: String) throws {
            do { try file.write(text) } catch { throw CommandFailure.failed("export: cannot write \(out): \(error)") }
        }
        if format == .csv { try write(CSV.line(FocusExport.columns)) }
        let rows: Int
        do {
            rows = try FocusExport(connection: connection).stream(since: since.seconds, until: until.seconds, organization: organization,
                                                                   format: format) { batch in
                var text = ""
                for row in batch {
                    text += format == .csv ? CSV.line(row) : (row.first.flatMap { $0 } ?? "{}") + "\n"
                }
                try write(text)
            }
        } catch let error as PostgresError where error.isOne(of: .undefinedTable, .insufficientPrivilege) {
            throw CommandFailure.failed("export: cannot read analytics.focus_costs (\(error.message)); the warehouse owner runs `usage-etl migrate` to this release, and the role needs usage_etl_analyst")
        }
        do { try file.commit() } catch { throw CommandFailure.failed("export: cannot write \(out): \(error)") }
        Console.out("export: wrote \(rows) FOCUS rows to \(out) (\(format.rawValue))")
    }
}

extension FocusExport.Format: ExpressibleByArgument {}

/// CSV as RFC 4180 writes it: fields with a comma, a quote, CR or LF quoted (quotes doubled),
/// CRLF between records; NULL as an empty field.
enum CSV {
    static func line(_ fields: [String?]) -> String {
        fields.map { field -> String in
            guard let field else { return "" }
            // Scalars, not characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
            guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}
