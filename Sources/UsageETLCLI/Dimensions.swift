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
        let configuration = try api.configuration()
        let connection = try DatabaseOptions.connectMigrated()
        let organization = try api.organization(configuration, now: Int64(Date().timeIntervalSince1970), connection: connection)
        do {
            let outcome = try DirectoryRefresh(configuration: configuration, connection: connection).run(organization: organization)
            Console.out("dimensions: \(outcome.projects) projects, \(outcome.users) users, \(outcome.apiKeys) API keys, \(outcome.serviceAccounts) service accounts; \(outcome.changes) changes since the last refresh; \(outcome.requests) requests")
        } catch let error as APIError {
            if case .unauthorized = error { throw CommandFailure.usage("dimensions: \(error)") }
            throw CommandFailure.failed("dimensions: names not refreshed: \(error)")
        } catch {
            throw CommandFailure.failed("dimensions: names not refreshed: \(error)")
        }
    }
}
