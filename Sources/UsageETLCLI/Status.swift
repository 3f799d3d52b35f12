import ArgumentParser
import Foundation
import Report
import Warehouse

/// `usage-etl status`: what is loaded, what failed, and the archive's size.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show windows done/failed/pending, high-water marks, errors and the archive per stream.")

    @Flag(help: "Machine-readable JSON.") var json = false
    @Option(name: .customLong("organization"), help: "Only this organization id (repeatable; default: every organization).")
    var organizations: [String] = []
    @OptionGroup var organizationsFile: OrganizationsOption

    func run() throws {
        let connection = try DatabaseOptions.connectMigrated()
        var streams = try StreamStatus.all(on: connection)
        if let file = try organizationsFile.file() {
            // The file's organizations: by id where it gives one, else by display name.
            let ids = Set(file.entries.compactMap(\.id)), names = Set(file.entries.map(\.name))
            streams = streams.filter { ids.contains($0.organization) || $0.organizationName.map(names.contains) == true }
        }
        if !organizations.isEmpty {
            let unknown = Set(organizations).subtracting(streams.map(\.organization))
            guard unknown.isEmpty else {
                throw CommandFailure.usage("status: no organization \(unknown.sorted().joined(separator: ", ")) in the warehouse (--organization takes an id, e.g. org-…)")
            }
            streams = streams.filter { organizations.contains($0.organization) }
        }
        let several = Set(streams.map(\.organization)).count > 1
        let filtered = !organizations.isEmpty || organizationsFile.path != nil
        let unknownFields = try UnknownFieldStatus.all(on: connection, organizations: filtered ? Array(Set(streams.map(\.organization))) : nil)
        let lastRun = try RunLog(connection: connection).lastRun()
        if json {
            var items: [[String: Any]] = []
            for stream in streams {
                let (raw, compressed) = (stream.archiveRawBytes, stream.archiveCompressedBytes)
                items.append([
                    "stream_id": stream.streamID, "organization_id": stream.organization,
                    "organization_name": stream.organizationName as Any? ?? NSNull(), "endpoint": stream.endpoint,
                    "bucket_width": stream.bucketWidth, "group_by": stream.groupBy, "filters": stream.filters,
                    "windows_done": stream.done, "windows_failed": stream.failed,
                    "windows_pending": stream.pending, "windows_interrupted": stream.interrupted,
                    "high_water_mark": stream.highWaterMark as Any? ?? NSNull(),
                    "last_error": stream.lastError as Any? ?? NSNull(),
                    "last_failed_window": stream.lastFailedWindow as Any? ?? NSNull(), "last_loaded": stream.lastLoaded as Any? ?? NSNull(),
                    "archive_raw_bytes": raw, "archive_compressed_bytes": compressed,
                    "archive_ratio": compressed > 0 ? Double(raw) / Double(compressed) : 0,
                ])
            }
            var document: [String: Any] = ["streams": items]
            document["unknown_fields"] = unknownFields.map {
                ["endpoint": $0.endpoint, "bucket_width": $0.bucketWidth, "field": $0.field, "results": $0.results, "since": $0.since] as [String: Any]
            }
            if let lastRun {
                document["last_run"] = ["command": lastRun.command, "outcome": lastRun.outcome ?? "", "started_at": lastRun.startedAt]
            }
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            Console.out(String(decoding: data, as: UTF8.self))
            return
        }
        // The organization column appears when the streams shown span more than one organization.
        var lines = [(several ? ["organization"] : []) + ["endpoint", "width", "done", "failed", "pending", "interrupted", "high-water mark", "archive", "last error"]]
        for stream in streams {
            let (raw, compressed) = (stream.archiveRawBytes, stream.archiveCompressedBytes)
            let archive = compressed > 0 ? "\(compressed / 1024) KiB (\(String(format: "%.1f", Double(raw) / Double(compressed)))x)" : "-"
            lines.append((several ? [stream.organizationName ?? stream.organization] : []) + [stream.endpoint, stream.bucketWidth, String(stream.done), String(stream.failed),
                          String(stream.pending), String(stream.interrupted), stream.highWaterMark ?? "-", archive,
                          String((stream.lastError ?? "").prefix(60))])
        }
        let widths = (0..<lines[0].count).map { c in lines.map { $0[c].count }.max() ?? 0 }
        for line in lines {
            Console.out(line.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        // The table cuts errors short; each stream's last one in full, with its window.
        for stream in streams {
            guard let error = stream.lastError, let window = stream.lastFailedWindow else { continue }
            let of = several ? "\(stream.organizationName.map { "\($0) (\(stream.organization))" } ?? stream.organization) " : ""
            Console.out("failed \(of)\(stream.endpoint) \(stream.bucketWidth) window \(window): \(error)")
        }
        // Fields the API sends that this release does not know: kept in the archive, not in a column.
        for field in unknownFields {
            Console.out("\(field.endpoint): field \(field.field) in \(Count.format(field.results)) results since \(field.since.prefix(10)) (\(field.bucketWidth) buckets; not known to this release, kept in the archive)")
        }
        if let lastRun {
            Console.out("last run: \(lastRun.command) \(lastRun.outcome ?? "") at \(lastRun.startedAt)")
        }
    }
}
