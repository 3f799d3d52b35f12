import APIClient
import ArgumentParser
import Foundation
import Pipeline

/// `usage-etl dimensions`: refresh the named dimensions on their own (`sync` also does it).
struct Dimensions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refresh the names of projects (archived ones included), users, API keys and service accounts from the Admin API.",
        discussion: """
            Reads every page of the organization's list endpoints and applies them in one transaction: current \
            names, archived projects, deleted keys and service accounts, removed users. Changes are kept in \
            analytics.directory_changes; each refresh is recorded in etl.directory_refreshes.
            """)

    @OptionGroup var api: APIOptions
    @Option(help: "Log lines as text or json (one object a line).") var logFormat: Logging.Format = .text

    func run() throws {
        Logging.bootstrap(logFormat)
        let targets = try api.targets()
        let connection = try DatabaseOptions.connectMigrated()
        let organizations = try api.organizations(targets, command: "dimensions", now: Int64(Date().timeIntervalSince1970), connection: connection)
        var failed = organizations.failed
        for access in organizations.accesses {
            guard let id = access.id else { continue }
            // One key: the line as it always was; several: each line names its organization.
            let of = access.name.map { " \($0) (\(id))" } ?? ""
            do {
                let outcome = try DirectoryRefresh(configuration: access.api, connection: connection).run(organization: id)
                Console.out("dimensions\(of): \(outcome.projects) projects, \(outcome.users) users, \(outcome.apiKeys) API keys, \(outcome.serviceAccounts) service accounts; \(outcome.changes) changes since the last refresh; \(outcome.requests) requests")
            } catch {
                guard organizations.several else {
                    if let error = error as? APIError, case .unauthorized = error { throw CommandFailure.usage("dimensions: \(error)") }
                    throw CommandFailure.failed("dimensions: names not refreshed: \(error)")
                }
                Logging.logger.error("dimensions:\(of) names not refreshed: \(error)", metadata: ["organization": "\(id)"])
                failed[access.name.map { "\($0) (\(id))" } ?? id] = "\(error)"
            }
        }
        if !failed.isEmpty {
            // Several organizations: the others' names are refreshed; name the ones that were not.
            let named = failed.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            throw CommandFailure.failed("dimensions: names of \(failed.count) organizations not refreshed (the others' are): \(named)")
        }
    }
}
