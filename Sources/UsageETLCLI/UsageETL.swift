import ArgumentParser
import Foundation

/// The `usage-etl` command: loads OpenAI organization usage and costs into PostgreSQL.
public struct UsageETL: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "usage-etl",
        abstract: "Load OpenAI organization usage and costs into a PostgreSQL warehouse.",
        discussion: """
            Configuration comes from the environment: OPENAI_ADMIN_KEY (or --admin-key-file), \
            OPENAI_BASE_URL, OPENAI_ORGANIZATION, OPENAI_PROJECT, and DATABASE_URL or libpq's PG* variables.
            Exit codes: 0 all windows loaded; 1 some windows failed; 2 usage or configuration error.
            """,
        subcommands: [Migrate.self, Backfill.self, Sync.self, Rerun.self, Status.self, Replay.self, Alerts.self, ImportLocal.self, Dimensions.self, ReportCommand.self, Export.self, ArchiveCommand.self]
    )

    public init() {}

    /// Runs the command line and exits with the documented codes (2 for usage errors).
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        // A key on the command line is visible to every user (ps, /proc) and stays in shell history.
        if (arguments ?? Array(CommandLine.arguments.dropFirst())).contains(where: Redaction.looksLikeKey) {
            Console.error("an API key was given on the command line; it is not used and not shown. Pass it in OPENAI_ADMIN_KEY or a file named by --admin-key-file, and consider rotating it (it may be in your shell history)")
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let failure as CommandFailure {
            Console.error(failure.message)
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                self.exit(withError: error) // --help, --version
            }
            let message = fullMessage(for: error)
            Console.error(message.isEmpty ? String(describing: error) : message)
            // ArgumentParser's usage errors (EX_USAGE) and our configuration errors both exit 2.
            Foundation.exit(code.rawValue == 64 ? 2 : 1)
        }
    }
}
