import APIClient
import Foundation
import Pipeline
import Postgres
import Warehouse

extension APIOptions {
    /// The organizations a run loads, each with the id its rows are filed under, and those that
    /// cannot be loaded (display name or id, with why).
    struct Organizations: Sendable {
        var accesses: [OrganizationAccess]
        var failed: [String: String] = [:]
        /// Several organizations (an organizations file) rather than one key.
        var several: Bool

        /// The ids loaded.
        var ids: [String] { accesses.compactMap(\.id) }
    }

    /// Tells each organization's id (may ask the API once for an organization not named: call after
    /// validating input). With one key a failure ends the command; with an organizations file an
    /// organization that cannot be told fails alone, unless every one does.
    /// An id the file gives is not remembered for its key before the run shows the key reads it
    /// (`rememberVerified`).
    func organizations(_ targets: Targets, command: String, now: Int64, connection: PostgresConnection) throws -> Organizations {
        switch targets {
        case .single(let configuration):
            let id = try organization(configuration, now: now, connection: connection)
            return Organizations(accesses: [OrganizationAccess(id: id, name: nil, api: configuration)], several: false)
        case .several(let entries):
            var result = Organizations(accesses: [], several: true)
            let registry = OrganizationRegistry(connection: connection)
            for (entry, configuration) in entries {
                do {
                    let id = try organization(configuration, now: now, connection: connection, trusting: false)
                    guard id != OrganizationProbe.fallback else {
                        throw CommandFailure.failed("the API named no organization for its key (no costs in the last \(OrganizationProbe.days) days); give its id in the organizations file")
                    }
                    if let other = result.accesses.first(where: { $0.id == id }) {
                        throw CommandFailure.usage("its key belongs to \(id), as the key of \(other.name ?? id) does; each organization once")
                    }
                    try registry.setDisplayName(entry.name, of: id)
                    result.accesses.append(OrganizationAccess(id: id, name: entry.name, api: configuration))
                } catch let failure as CommandFailure where failure.exitCode == 2 && entry.id != nil {
                    // The file contradicts what the warehouse knows of its key: a configuration error.
                    throw CommandFailure.usage("\(command): organization \(entry.name) (\(entry.id ?? "")): \(failure.message)")
                } catch {
                    let label = entry.id.map { "\(entry.name) (\($0))" } ?? entry.name
                    Logging.logger.error("\(command): organization \(label) not loaded: \(error)", metadata: ["organization": "\(entry.id ?? entry.name)"])
                    result.failed[label] = "\(error)"
                }
            }
            if result.accesses.isEmpty {
                let reasons = result.failed.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                throw CommandFailure.failed("\(command): no organization of the file can be loaded: \(reasons)")
            }
            return result
        }
    }

    /// After a several-organization run: remembers, for each organization whose windows its key
    /// loaded, the key's organization (and files rows its key left under `default` there).
    func rememberVerified(_ organizations: Organizations, loaded: [String: Int], now: Int64, connection: PostgresConnection) {
        guard organizations.several else { return }
        for access in organizations.accesses where access.api.organizationHeader != nil {
            guard let id = access.id, (loaded[id] ?? 0) > 0 else { continue }
            do {
                _ = try organization(access.api, now: now, connection: connection)
            } catch {
                Logging.logger.warning("the key of \(access.name ?? id) could not be remembered for \(id): \(error)")
            }
        }
    }
}
