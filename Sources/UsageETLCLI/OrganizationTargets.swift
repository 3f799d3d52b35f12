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
    /// Without `tellingOne`, one key is returned without its id (no request).
    func organizations(_ targets: Targets, command: String, now: Int64, connection: PostgresConnection, tellingOne: Bool = true) throws -> Organizations {
        switch targets {
        case .single(let configuration):
            guard tellingOne else { return Organizations(accesses: [OrganizationAccess(id: nil, name: nil, api: configuration)], several: false) }
            let id = try organization(configuration, now: now, connection: connection)
            return Organizations(accesses: [OrganizationAccess(id: id, name: nil, api: configuration)], several: false)
        case .several(let entries):
            var result = Organizations(accesses: [], several: true)
            let registry = OrganizationRegistry(connection: connection)
            for (entry, configuration) in entries {
                do {
                    let id = try organization(configuration, now: now, connection: connection)
                    guard id != OrganizationProbe.fallback else {
                        throw CommandFailure.failed("the API named no organization for its key (no costs in the last \(OrganizationProbe.days) days); give its id in the organizations file")
                    }
                    if let other = result.accesses.first(where: { $0.id == id }) {
                        throw CommandFailure.usage("its key belongs to \(id), as the key of \(other.name ?? id) does; each organization once")
                    }
                    try registry.setDisplayName(entry.name, of: id)
                    result.accesses.append(OrganizationAccess(id: id, name: entry.name, api: configuration))
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
}
