import ArgumentParser
import Foundation
import Pipeline
import UsageAPI

/// `usage-etl archive`: the raw archive's upkeep.
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "archive", abstract: "Upkeep of the raw archive.",
                                                    subcommands: [Compact.self])

    /// `usage-etl archive compact`: closed months' bodies compressed again at a high level.
    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compress the archived bodies of closed windows again at a high zstd level (the same bytes once decompressed).",
            discussion: """
                Bodies are archived at zstd level 3 while a run fetches them, so fetching keeps up with the API. Once no \
                run refetches a window (by default: windows that ended before this month began), its bodies can be \
                compressed again at a higher level: about 16x smaller than the raw JSON at level 11, against 11x. Each \
                body's SHA-256 is checked before it replaces the stored one, in one statement; replay and `status` read \
                old and new bodies alike. Safe to stop and to run again; a body already at the level is skipped.
                """)

        @Option(help: "The zstd level (4–19; default 11: about 16x on usage pages, 60 MB/s a core).") var level: Int32 = 11
        @Option(help: "Only bodies of windows that end at or before this time (default: the start of the current month, UTC).")
        var before: Moment?
        @Option(help: "Bodies compressed at once, each on its own thread and connection (default 2).") var parallelism = 2
        @OptionGroup var reporting: RunOptions

        func validate() throws {
            guard (4...19).contains(level) else { throw ValidationError("--level must be between 4 and 19") }
            guard (1...32).contains(parallelism) else { throw ValidationError("--parallelism must be between 1 and 32") }
        }

        func run() throws {
            reporting.start()
            let connection = try DatabaseOptions.connectMigrated()
            let now = Int64(Date().timeIntervalSince1970)
            let (year, month, _) = UTCTime.civilFromDays(floorDiv(now, 86_400))
            let limit = before?.seconds ?? UTCTime.daysFromCivil(year, month, 1) * 86_400
            StopSignal.install()
            let outcome = try ArchiveCompaction(databaseURL: DatabaseOptions.conninfo, logger: Logging.logger)
                .run(level: level, before: limit, parallelism: parallelism, connection: connection)
            let ratio = outcome.bytesAfter > 0 ? String(format: "%.1fx", Double(outcome.rawBytes) / Double(outcome.bytesAfter)) : "-"
            Console.out("archive compact: \(outcome.bodies) bodies at level \(level) (windows ending by \(UTCTime.format(limit))); "
                        + "\(outcome.bytesBefore) bytes → \(outcome.bytesAfter) bytes (\(outcome.rawBytes) raw: \(ratio)); \(outcome.failed) failed")
            if outcome.interrupted { throw CommandFailure.failed("archive compact: interrupted; run it again to go on") }
            if outcome.failed > 0 {
                throw CommandFailure.failed("archive compact: \(outcome.failed) bodies could not be compacted (left as they were): \(outcome.errors.prefix(3).joined(separator: "; "))")
            }
        }
    }
}
